// `vigil search`: full-text, regular-expression or field search over event logs, hits streamed out.
import ArgumentParser
import VigilCore
import VigilHunt
import VigilLogs

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Find events by text, regular expression or field values.",
        discussion: Help.reflow(
            """
            Give exactly one of:
              TEXT          events with TEXT in any field value, ignoring case
                            (field names are not searched)
              --regex RE    events with a field value in which RE matches (Swift
                            Regex syntax; case-sensitive, (?i) ignores case)
              --where 'F=v' events meeting every condition: Field=value (ignoring
                            case; * and ? are wildcards) or Field!=value,
                            separated by spaces; quote a value with spaces:
                            Image="C:\\Program Files\\*"

            Field names are Sigma's (Image, CommandLine, TargetUserName …);
            Computer, Channel and EventID work on EVTX and flat JSON alike.
            Reads logs from files and folders, plain or gzip, in bounded memory:
            EVTX, JSON (NDJSON, evtx_dump output, flat exports, CloudTrail,
            Sentinel rows), Zeek TSV, Linux audit, syslog and CSV with a header.

            Hits are printed as they are found: table shows where each hit is and
            the field that matched; json, jsonl and csv add every field of the
            event.
            The number of hits goes to standard error.

            Examples:
              vigil search mimikatz logs/
              vigil search --regex '(?i)-enc(odedcommand)? ' logs/ --json
              vigil search --where 'EventID=4625 TargetUserName=admin*' logs/ \\
                --format csv > failures.csv

            Exit status: 0 no hits, 1 hits, 2 bad arguments or no readable logs.
            """))

    @Argument(help: "TEXT to find (omit with --regex or --where), then log files or folders.")
    var arguments: [String]

    @Option(help: "Regular expression to find in field values.")
    var regex: String?

    @Option(name: .customLong("where"), help: "Conditions every hit must meet: 'Field=value Field!=value …'.")
    var condition: String?

    @Option(help: "Output format: table, json, jsonl or csv.")
    var format: OutputFormat?

    @Flag(help: "Same as --format json.")
    var json = false

    @Option(help: "Threads parsing and searching events.")
    var threads: Int = 2

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json, .jsonl, .csv])
        var logs = arguments
        let spec: SearchSpec
        switch (regex, condition) {
        case (let pattern?, nil):
            do { _ = try Regex(pattern) } catch {
                Output.error("--regex: \(error)")
                throw ExitCode.badInput
            }
            spec = .regex(pattern)
        case (nil, let text?):
            do { spec = .fields(try FieldFilter(parsing: text)) } catch {
                Output.error("--where: \(error)")
                throw ExitCode.badInput
            }
        case (nil, nil):
            guard logs.count >= 2, !logs[0].isEmpty else {
                Output.error("give TEXT and at least one log path, or --regex / --where")
                throw ExitCode.badInput
            }
            spec = .text(logs.removeFirst())
        default:
            Output.error("give one of TEXT, --regex and --where")
            throw ExitCode.badInput
        }
        let files = try Output.logFiles(logs)
        var report = EventStreamReport()
        var hits = 0
        var output = Output.records(
            format, keys: EventLocation.keys + ["matched_field", "matched_value", "fields"],
            table: EventLocation.tableColumns + [TableColumn("MATCH", limit: 120) { $0["matched_field"] + "=" + $0["matched_value"] }])
        output.begin()
        var progress = ProgressLine()
        // The pattern compiled once above, so compiling again per batch cannot fail.
        EventStream.fold(
            files, threads: threads, report: &report,
            partial: { SearchBatch(EventSearch(try! spec.compile()), collectFields: format != .table) },
            add: { batch, event, origin in batch.add(event, origin) },
            merge: { batch in
                // Hits go to stdout, which may be the same terminal: erase the progress line before them.
                if !batch.hits.isEmpty { progress.clear() }
                for hit in batch.hits {
                    output.write(hit.location.values + [.text(hit.matchedField), .text(hit.matchedValue), .pairs(hit.fields)])
                }
                hits += batch.hits.count
            }, onProgress: { progress.update($0) })
        output.end()
        progress.clear()
        Output.report(Array(report.diagnostics.prefix(50)))
        printError(
            "\(counted(hits, "hit")) in \(counted(report.events, "event")) from \(counted(report.read.files, "file")); \(report.bad) unreadable",
            newline: true)
        if report.read.files == 0 { throw ExitCode.badInput }
        if hits > 0 { throw ExitCode.findings }
    }
}
