// `vigil stack`: frequency of field-value tuples over event logs, rarest first, outliers flagged.
import ArgumentParser
import VigilCore
import VigilHunt
import VigilLogs

struct StackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stack", abstract: "Count field-value tuples across logs, rarest first, and flag outliers.",
        discussion: Help.reflow(
            """
            Stacking (least frequency of occurrence): what runs everywhere is
            usually benign, what runs once on one host deserves a look. FIELDS is
            one field or several separated by commas, named as in Sigma rules
            (Image, ParentImage, ServiceName, TargetUserName …); Computer, Channel
            and EventID work on EVTX and flat JSON alike. Events that lack one of
            the fields are left out and counted.

            Outliers are flagged by two statistics, both shown in the output:
              hosts<=N  the tuple was seen on at most N hosts (--max-hosts,
                        default 1); only when the logs hold more than N hosts
              |z|>=T    the robust z-score of its count is at least T (--z,
                        default 3.5, after Iglewicz and Hoaglin):
                        0.6745 × (count − median) / MAD over all tuples; when MAD
                        is 0 (most counts equal), (count − median) / (1.2533 ×
                        mean absolute deviation); no score when all counts agree

            --where keeps only events meeting every condition: Field=value
            (ignoring case; * and ? are wildcards) or Field!=value, separated by
            spaces; quote a value with spaces: Image="C:\\Program Files\\*".

            Examples:
              vigil stack ParentImage,Image logs/ \\
                --where 'Channel=Microsoft-Windows-Sysmon/Operational EventID=1'
              vigil stack ServiceName,ImagePath logs/ --where EventID=7045 --by-host
              vigil stack TargetUserName,IpAddress logs/ --where EventID=4625 --json

            Exit status: 0 done, 2 bad arguments or no readable logs.
            """))

    @Argument(help: "Fields to stack, separated by commas.")
    var fields: String

    @Argument(help: "Log files or folders (EVTX, JSON, NDJSON; .gz allowed).")
    var logs: [String]

    @Option(name: .customLong("where"), help: "Conditions every stacked event must meet: 'Field=value Field!=value …'.")
    var condition: String?

    @Flag(help: "Count each tuple per host (the host becomes the first column).")
    var byHost = false

    @Option(help: "Flag tuples seen on at most this many hosts.")
    var maxHosts: Int = 1

    @Option(name: .customLong("z"), help: "Flag tuples whose robust z-score of counts is at least this in absolute value.")
    var zThreshold: Double = 3.5

    @Option(help: "Rows on the terminal (0: all), rarest first. json always prints all.")
    var limit: Int = 50

    @Flag(help: "Print only the flagged rows.")
    var outliersOnly = false

    @Option(help: "Threads parsing and counting events.")
    var threads: Int = 2

    @Option(help: "Output format: table or json.")
    var format: OutputFormat?

    @Flag(help: "Same as --format json.")
    var json = false

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        let names = fields.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else {
            Output.error("no fields to stack")
            throw ExitCode.badInput
        }
        var filter: FieldFilter?
        if let condition {
            do { filter = try FieldFilter(parsing: condition) } catch {
                Output.error("--where: \(error)")
                throw ExitCode.badInput
            }
        }
        let files = try Output.logFiles(logs)
        var stacker = Stacker(fields: names, filter: filter, byHost: byHost)
        var report = EventStreamReport()
        let (byHost, conditions) = (byHost, filter)
        var progress = ProgressLine()
        EventStream.fold(
            files, threads: threads, report: &report, partial: { Stacker(fields: names, filter: conditions, byHost: byHost) },
            add: { s, event, _ in s.add(event) }, merge: { stacker.merge($0) }, onProgress: { progress.update($0) })
        progress.clear()
        Output.report(Array(report.diagnostics.prefix(50)))
        var result = stacker.result(maxHosts: maxHosts, zThreshold: zThreshold)
        if outliersOnly { result.rows = result.rows.filter { !$0.outlier.isEmpty } }
        if format == .json {
            Output.printJSON(result)
        } else {
            let shown = limit > 0 ? Array(result.rows.prefix(limit)) : result.rows
            print(
                Output.table(
                    ["COUNT", "HOSTS", "Z", "OUTLIER"] + result.fields,
                    shown.map { row in
                        [String(row.count), String(row.hosts), row.z.map { format2($0) } ?? "-", row.outlier.joined(separator: " ")]
                            + row.values
                    }))
            print(
                "\(counted(result.rows.count, "distinct tuple")) from \(counted(result.stacked, "event")) on \(counted(result.hostCount, "host")); "
                    + "\(counted(result.missingField, "event")) lacked a field; \(report.events) read, \(report.bad) unreadable; "
                    + "median \(format2(result.median)), MAD \(format2(result.mad)), z by \(result.zMethod)"
                    + (shown.count < result.rows.count ? "; showing the \(shown.count) rarest (--limit 0 for all)" : ""))
        }
        if report.read.files == 0 { throw ExitCode.badInput }
    }

    private func format2(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
