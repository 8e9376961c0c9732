// `vigil metrics`: event counts by channel, event ID and host, and a logon summary, over event logs.
import ArgumentParser
import VigilCore
import VigilHunt
import VigilLogs

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "Count events by channel, event ID and host, and summarise logons.",
        discussion: Help.reflow(
            """
            Reads logs from files and folders, plain or gzip, in bounded memory
            (EVTX; JSON: NDJSON, evtx_dump output, flat exports, CloudTrail,
            Sentinel rows; Zeek TSV; Linux audit; syslog; CSV with a header;
            see `vigil hunt --help`), and counts events by channel, by event ID within a channel,
            and by host.

            Logons, per user and source address:
              success     Security 4624; RDP 1149 (TerminalServices-
                          RemoteConnectionManager); RDP 21 and 25 (TerminalServices-
                          LocalSessionManager)
              failure     Security 4625
              explicit    Security 4648 (logon with explicit credentials)
              reconnect   Security 4778 (session reconnected)
              disconnect  Security 4779 (session disconnected)
            Users are shown without their domain; "-" marks a missing user or
            address.

            Examples:
              vigil metrics logs/
              vigil metrics Security.evtx --top 10
              vigil metrics logs/ --json | jq '.logons[] | select(.failure > 10)'

            Exit status: 0 read, 2 no readable logs.
            """))

    @Argument(help: "Log files or folders (EVTX, JSON, NDJSON; .gz allowed).")
    var logs: [String]

    @Option(help: "Rows per table on the terminal (0: all). json always prints all.")
    var top: Int = 20

    @Option(help: "Threads parsing and counting events.")
    var threads: Int = 2

    @Option(help: "Output format: table or json.")
    var format: OutputFormat?

    @Flag(help: "Same as --format json.")
    var json = false

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        let files = try Output.logFiles(logs)
        var metrics = EventMetrics()
        var report = EventStreamReport()
        var progress = ProgressLine()
        EventStream.fold(
            files, threads: threads, report: &report, partial: { EventMetrics() }, add: { m, event, _ in m.add(event) },
            merge: { metrics.merge($0) }, onProgress: { progress.update($0) })
        progress.clear()
        Output.report(Array(report.diagnostics.prefix(50)))
        let summary = metrics.summary()
        if format == .json {
            Output.printJSON(summary)
        } else {
            func cut<T>(_ rows: [T]) -> ArraySlice<T> { top > 0 ? rows.prefix(top) : rows[...] }
            print("events: \(summary.events) in \(counted(report.read.files, "file")), \(report.bad) unreadable\n")
            print("by channel (\(summary.channels.count))")
            print(Output.table(["COUNT", "CHANNEL"], cut(summary.channels).map { [String($0.count), $0.channel] }))
            print("by event ID (\(summary.eventIDs.count))")
            print(
                Output.table(
                    ["COUNT", "EVENT", "CHANNEL"], cut(summary.eventIDs).map { [String($0.count), $0.eventID, $0.channel] }))
            print("by host (\(summary.hosts.count))")
            print(Output.table(["COUNT", "HOST"], cut(summary.hosts).map { [String($0.count), $0.host] }))
            print("logons by user and source (\(summary.logons.count))")
            print(
                Output.table(
                    ["SUCCESS", "FAILURE", "EXPLICIT", "RECONNECT", "DISCONNECT", "USER", "SOURCE"],
                    cut(summary.logons).map {
                        [
                            String($0.success), String($0.failure), String($0.explicit), String($0.reconnect), String($0.disconnect),
                            $0.user, $0.source,
                        ]
                    }))
        }
        if report.read.files == 0 { throw ExitCode.badInput }
    }
}
