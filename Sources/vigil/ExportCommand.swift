// `vigil export`: event logs (every format the readers know) as rows for Spark, ClickHouse or DuckDB, in the layout `vigil convert`
// writes queries for, as JSON lines or Parquet.
import ArgumentParser
import Foundation
import VigilConvert
import VigilCore
import VigilExport
import VigilHunt
import VigilLogs

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write events as JSON lines or Parquet in the column layout converted queries expect.",
        discussion: Help.reflow(
            """
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

            --format parquet (needs -o FILE) writes the same rows as a Parquet file:
            every column an optional UTF-8 string (JSON null and absent fields are
            null, an empty string stays empty), gzip or uncompressed pages, row groups
            of 65,536 rows. The logs are read twice: once to find the columns (a
            Parquet schema is fixed up front), once to write the rows, so memory stays
            at one row group. A list-valued field is its JSON array text, as DuckDB's
            read_json gives it for a VARCHAR column (["a","b"]), so tables loaded from
            the Parquet file and from the JSON lines are equal. With --layout evtx the
            records are nested optional groups (Event.System.EventID,
            Event.EventData.Image), every leaf a string; a path that is an object in
            one record and a value in another is a string holding the object's JSON.
              DuckDB      SELECT * FROM 'events.parquet'
              ClickHouse  SELECT * FROM file('events.parquet', Parquet)
              Spark       spark.read.parquet('events.parquet')

            Exit status: 0 written, 2 no readable logs, an unwritable output, or
            Parquet to standard output.
            """))

    enum Layout: String, ExpressibleByArgument, CaseIterable { case flat, evtx }

    @Argument(help: "Log files or folders.")
    var logs: [String]

    @Option(help: "Layout: flat or evtx.")
    var layout: Layout = .flat

    @Option(name: .shortAndLong, help: "Output file (default: standard output).")
    var output: String?

    @Option(help: "Write the column names (flat layout) to this file, one per line.")
    var columns: String?

    @Option(help: "Output format: jsonl or parquet.")
    var format: OutputFormat?

    @Flag(help: "Same as --format jsonl (the JSON export writes).")
    var json = false

    @Option(help: "Parquet page compression: none or gzip.")
    var compression: ParquetCompression = .gzip

    @Option(help: "YAML logsource/field mapping that extends the built-in one (its aliases and prefixes).")
    var mapping: String?

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.jsonl, .parquet], fallback: .jsonl)
        let files = try Output.logFiles(logs)
        let (_, logsources) = try SigmaInputs.load(placeholders: nil, mapping: mapping)
        let flattener = EventFlattener(mapping: logsources)
        if format == .parquet { return try runParquet(files, flattener) }
        let sink = output.map { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) } ?? 1
        guard sink >= 0 else {
            Output.error("cannot write \(output ?? "standard output")")
            throw ExitCode.badInput
        }
        var report = EventStreamReport()
        var columnNames = FlatColumns()
        var skipped = 0
        var written = 0
        var buffer = ""
        buffer.reserveCapacity(1 << 20)
        var failure: Int32?
        func flush() {
            if failure == nil { failure = WriteAll.text(buffer, to: sink) }
            buffer.removeAll(keepingCapacity: true)
        }
        EventStream.forEach(files, threads: 2, report: &report) { event, origin in
            switch layout {
            case .flat:
                var row = flattener.row(event, origin: origin)
                columnNames.add(&row)
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
        if output != nil, close(sink) != 0, failure == nil { failure = errno }
        if let failure {
            Output.error("writing \(output ?? "standard output") failed: \(WriteAll.message(failure))")
            throw ExitCode.badInput
        }
        Output.report(Array(report.diagnostics.prefix(50)))
        try writeColumns(columnNames.names)
        try summary(written: written, skipped: skipped, report: report)
    }

    func runParquet(_ files: [String], _ flattener: EventFlattener) throws {
        guard let output else {
            Output.error("Parquet needs an output file (-o FILE): its footer is written last and readers seek in it")
            throw ExitCode.badInput
        }
        let outcome: ParquetExport.Outcome
        do {
            switch layout {
            case .flat: outcome = try ParquetExport.flat(files, flattener: flattener, to: output, compression: compression)
            case .evtx: outcome = try ParquetExport.evtx(files, to: output, compression: compression)
            }
        } catch {
            Output.report([error])
            throw ExitCode.badInput
        }
        Output.report(Array(outcome.report.diagnostics.prefix(50)))
        if outcome.unknownFields > 0 {
            Output.error("\(counted(outcome.unknownFields, "field")) not written: the logs changed between the two passes")
        }
        if layout == .flat { try writeColumns(outcome.columns) }
        try summary(written: outcome.written, skipped: outcome.skipped, report: outcome.report)
    }

    func writeColumns(_ names: [String]) throws {
        guard let columns else { return }
        guard FileManager.default.createFile(atPath: columns, contents: Data((names.joined(separator: "\n") + "\n").utf8)) else {
            Output.error("cannot write \(columns)")
            throw ExitCode.badInput
        }
    }

    func summary(written: Int, skipped: Int, report: EventStreamReport) throws {
        printError(
            "\(counted(written, "event")) written from \(counted(report.read.files, "file")), \(report.bad) unreadable"
                + (skipped > 0 ? ", \(counted(skipped, "flat JSON event")) skipped (no EVTX record to write)" : ""))
        if report.read.files == 0 { throw ExitCode.badInput }
    }
}

extension ParquetCompression: ExpressibleByArgument {}
