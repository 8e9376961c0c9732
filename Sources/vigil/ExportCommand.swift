// `vigil export`: EVTX and JSON logs as rows for Spark, ClickHouse or DuckDB, in the layout `vigil convert`
// writes queries for.
import ArgumentParser
import Foundation
import VigilConvert
import VigilCore
import VigilHunt

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write events as JSON lines in the column layout converted queries expect.",
        discussion: """
            flat (default): one object per event, one key per field under the name
            `vigil hunt` gives it (EVTX System and EventData fields, flat JSON with
            winlog./event_data. prefixes stripped and aliases such as Hostname →
            Computer filled), every value as a string, plus `vigil_event` (file:line,
            as `vigil hunt` reports the event). Load it with every column as text:
              DuckDB      read_json('events.jsonl', columns = {...all VARCHAR})
              ClickHouse  INSERT INTO events FORMAT JSONEachRow (String columns)
              Spark       spark.read.schema(<all string>).json('events.jsonl')
            --columns FILE writes the column names, one per line, for `vigil convert
            --columns` and for building the table.

            evtx: EVTX records as evtx_dump JSON (Event.System, Event.EventData), for
            tables that keep the nested records; flat JSON events are skipped and counted.

            Exit status: 0 written, 2 no readable logs or an unwritable output.
            """)

    enum Layout: String, ExpressibleByArgument, CaseIterable { case flat, evtx }

    @Argument(help: "Log files or folders.")
    var logs: [String]

    @Option(help: "Layout: flat or evtx.")
    var layout: Layout = .flat

    @Option(name: .shortAndLong, help: "Output file (default: standard output).")
    var output: String?

    @Option(help: "Write the column names (flat layout) to this file, one per line.")
    var columns: String?

    @Option(help: "YAML logsource/field mapping that extends the built-in one (its aliases and prefixes).")
    var mapping: String?

    func run() throws {
        let files = try Output.logFiles(logs)
        let (_, logsources) = try SigmaInputs.load(placeholders: nil, mapping: mapping)
        let flattener = EventFlattener(mapping: logsources)
        let sink = output.map { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) } ?? 1
        guard sink >= 0 else {
            Output.error("cannot write \(output ?? "standard output")")
            throw ExitCode.badInput
        }
        var report = EventStreamReport()
        var canonical: [String: String] = [:]
        var order: [String] = []
        var skipped = 0
        var written = 0
        var buffer = ""
        buffer.reserveCapacity(1 << 20)
        func flush() {
            buffer.withUTF8 { bytes in
                var done = 0
                while done < bytes.count {
                    let n = write(sink, bytes.baseAddress! + done, bytes.count - done)
                    if n <= 0 { break }
                    done += n
                }
            }
            buffer.removeAll(keepingCapacity: true)
        }
        EventStream.forEach(files, threads: 2, report: &report) { event, origin in
            switch layout {
            case .flat:
                var row = flattener.row(event, origin: origin)
                // One column per name ignoring case, under its first spelling: engines read JSON keys by exact
                // name (DuckDB would leave `ProcessID` out of a `ProcessId` column), while SQL names ignore case.
                for k in row.columns.indices {
                    let key = row.columns[k].name.lowercased()
                    if let name = canonical[key] {
                        row.columns[k].name = name
                    } else {
                        canonical[key] = row.columns[k].name
                        order.append(row.columns[k].name)
                    }
                }
                EventFlattener.json(row, into: &buffer)
            case .evtx:
                guard event.shape == .evtx else {
                    skipped += 1
                    return
                }
                buffer += String(decoding: event.view.bytes, as: UTF8.self)
                buffer += "\n"
            }
            written += 1
            if buffer.utf8.count > 1 << 20 { flush() }
        }
        flush()
        if output != nil { close(sink) }
        Output.report(Array(report.diagnostics.prefix(50)))
        if let columns {
            guard FileManager.default.createFile(atPath: columns, contents: Data((order.joined(separator: "\n") + "\n").utf8)) else {
                Output.error("cannot write \(columns)")
                throw ExitCode.badInput
            }
        }
        printError(
            "\(written) event(s) written from \(report.read.files) file(s), \(report.bad) unreadable"
                + (skipped > 0 ? ", \(skipped) flat JSON event(s) skipped (no EVTX record to write)" : ""))
        if report.read.files == 0 { throw ExitCode.badInput }
    }
}
