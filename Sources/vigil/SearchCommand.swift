// `vigil search`: full-text, regular-expression or field search over EVTX and JSON logs, hits streamed out.
import ArgumentParser
import VigilCore
import VigilHunt
import VigilLogs

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Find events by text, regular expression or field values.",
        discussion: """
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
            Reads EVTX and JSON logs (NDJSON, evtx_dump output, flat exports;
            plain or gzip) from files and folders, in bounded memory.

            Hits are printed as they are found: table shows where each hit is and
            the field that matched; jsonl and csv add every field of the event.
            The number of hits goes to standard error.

            Examples:
              vigil search mimikatz logs/
              vigil search --regex '(?i)-enc(odedcommand)? ' logs/ --format jsonl
              vigil search --where 'EventID=4625 TargetUserName=admin*' logs/ \\
                --format csv > failures.csv

            Exit status: 0 no hits, 1 hits, 2 bad arguments or no readable logs.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, jsonl, csv }

    @Argument(help: "TEXT to find (omit with --regex or --where), then log files or folders.")
    var arguments: [String]

    @Option(help: "Regular expression to find in field values.")
    var regex: String?

    @Option(name: .customLong("where"), help: "Conditions every hit must meet: 'Field=value Field!=value …'.")
    var condition: String?

    @Option(help: "Output format: table, jsonl, csv.")
    var format: Format = .table

    @Option(help: "Threads parsing and searching events.")
    var threads: Int = 2

    func run() throws {
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
        switch format {
        case .table:
            print(pad("TIMESTAMP", 24) + "  " + pad("COMPUTER", 20) + "  " + pad("EVENT", 6) + "  " + pad("FILE:LINE", 30) + "  MATCH")
        case .csv: print("timestamp,computer,channel,event_id,record_id,file,line,matched_field,fields")
        case .jsonl: break
        }
        let format = format
        var progress = ProgressLine()
        // The pattern compiled once above, so compiling again per batch cannot fail.
        EventStream.fold(
            files, threads: threads, report: &report,
            partial: { SearchBatch(EventSearch(try! spec.compile()), collectFields: format != .table) },
            add: { batch, event, origin in batch.add(event, origin) },
            merge: { batch in
                // Hits go to stdout, which may be the same terminal: erase the progress line before them.
                if !batch.hits.isEmpty { progress.clear() }
                for hit in batch.hits { print(Self.render(hit, format)) }
                hits += batch.hits.count
            }, onProgress: { progress.update($0) })
        progress.clear()
        Output.report(Array(report.diagnostics.prefix(50)))
        printError(
            "\(hits) hit(s) in \(report.events) event(s) from \(report.read.files) file(s); \(report.bad) unreadable", newline: true)
        if report.read.files == 0 { throw ExitCode.badInput }
        if hits > 0 { throw ExitCode.findings }
    }

    static func render(_ hit: SearchHit, _ format: Format) -> String {
        switch format {
        case .table:
            let file = hit.file.split(separator: "/").last.map(String.init) ?? hit.file
            var value = hit.matchedValue.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            if value.count > 100 { value = String(value.prefix(100)) + "…" }
            return pad(hit.timestamp ?? "-", 24) + "  " + pad(hit.computer ?? "-", 20) + "  " + pad(hit.eventID ?? "-", 6) + "  "
                + pad("\(file):\(hit.line)", 30) + "  " + hit.matchedField + "=" + value
        case .jsonl:
            var o = "{\"timestamp\":\(q(hit.timestamp)),\"computer\":\(q(hit.computer)),\"channel\":\(q(hit.channel)),"
            o += "\"event_id\":\(q(hit.eventID)),\"record_id\":\(q(hit.recordID)),\"file\":\(q(hit.file)),\"line\":\(hit.line),"
            o += "\"matched_field\":\(q(hit.matchedField)),\"fields\":{"
            o += hit.fields.map { "\(q($0.name)):\(q($0.value))" }.joined(separator: ",")
            return o + "}}"
        case .csv:
            let fields = hit.fields.map { "\($0.name)=\($0.value)" }.joined(separator: "; ")
            return [
                hit.timestamp ?? "", hit.computer ?? "", hit.channel ?? "", hit.eventID ?? "", hit.recordID ?? "", hit.file,
                String(hit.line), hit.matchedField, fields,
            ].map(DetectionWriter.csv).joined(separator: ",")
        }
    }
}
