// `vigil evtx …`: read Windows event logs natively. `dump` writes records as JSON lines (or XML),
// `info` describes files. Exit status: 0 clean, 1 damage found, 2 bad input or usage.
import ArgumentParser
import VigilCore
import VigilEVTX

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct EVTXCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evtx", abstract: "Read Windows .evtx event logs.", subcommands: [Dump.self, Info.self])

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every record, one JSON object per line (evtx_dump's JSON tree), or as XML.",
            discussion: Help.reflow(
                """
                JSON lines match `evtx_dump -o jsonl` and PyPI evtx `records_json()`: Event.System…,
                Event.EventData… with Data Name attributes as keys, #attributes and #text.
                Damaged chunks and records are skipped and reported on standard error.
                """))

        @Argument(help: "EVTX files.") var files: [String]
        @Option(help: "Output format: jsonl (default) or xml.") var format: OutputFormat?
        @Flag(help: "Same as --format jsonl (the JSON dump writes).") var json = false
        @Flag(help: "Same as --format xml.") var xml = false
        @Option(help: "Threads decoding chunks (0: one per core, 1: single-threaded).") var threads = 0

        func run() throws {
            if xml, json || (format != nil && format != .xml) { throw ValidationError("--xml asks for a different format") }
            let format = try OutputFormat.chosen(xml ? .xml : format, json: json, allowed: [.jsonl, .xml], fallback: .jsonl)
            let xml = format == .xml
            var output = StandardOutput()
            var damaged = false
            var unreadable = false
            for path in files {
                let file: EVTXFile
                do {
                    file = try EVTXFile(path: path)
                } catch {
                    printError(error.description)
                    unreadable = true
                    continue
                }
                // Read once: a property wrapper's getter costs a metadata lookup on every record.
                let lines = !xml
                let diagnostics = file.forEachRecord(format: xml ? .xml : .json, threads: threads) { record in
                    output.write(record.rendering)
                    if lines { output.write(newline: ()) }
                }
                output.flush()
                for diagnostic in diagnostics { printError(diagnostic.description) }
                if !diagnostics.isEmpty { damaged = true }
            }
            output.flush()
            if unreadable { throw ExitCode(2) }
            if damaged { throw ExitCode(1) }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe files: header, chunks, record count and range, dirty/full flags, damage.")

        @Argument(help: "EVTX files.") var files: [String]
        @Option(help: "Output format: table, json (one array) or jsonl (one object per file).") var format: OutputFormat?
        @Flag(help: "Same as --format json.") var json = false
        @Flag(help: "List every chunk.") var chunks = false

        func run() throws {
            let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json, .jsonl])
            var written = 0
            var damaged = false
            var unreadable = false
            for path in files {
                let info: EVTXInfo
                do {
                    info = try EVTXFile(path: path).info()
                } catch {
                    printError(error.description)
                    unreadable = true
                    continue
                }
                if !info.diagnostics.isEmpty { damaged = true }
                switch format {
                case .json: print((written == 0 ? "[\n" : ",\n") + Self.json(info), terminator: "")
                case .jsonl: print(Self.json(info))
                default: print(Self.text(info, chunks: chunks))
                }
                written += 1
            }
            if format == .json { print(written == 0 ? "[]" : "\n]") }
            if unreadable { throw ExitCode(2) }
            if damaged { throw ExitCode(1) }
        }

        static func text(_ info: EVTXInfo, chunks: Bool) -> String {
            let h = info.header
            var flags: [String] = []
            if h.isDirty { flags.append("dirty") }
            if h.isFull { flags.append("full") }
            let used = info.chunks.filter { !$0.isEmpty }.count
            var lines = [
                "\(info.path)",
                "  version \(h.majorVersion).\(h.minorVersion), \(info.fileSize) bytes, flags: \(flags.isEmpty ? "clean" : flags.joined(separator: ", "))"
                    + (h.checksumMatches ? "" : ", header checksum MISMATCH"),
                "  chunks: \(used) in use of \(info.chunks.count) (header says \(h.chunkCount)), next record id \(h.nextRecordID)",
                "  records: \(info.records)"
                    + (info.firstRecordID.map { " (ids \($0)…\(info.lastRecordID ?? $0))" } ?? ""),
            ]
            if let earliest = info.earliest, let latest = info.latest { lines.append("  time: \(earliest) … \(latest)") }
            if chunks {
                for c in info.chunks {
                    if c.isEmpty {
                        lines.append("  chunk \(c.index) @\(c.fileOffset): empty")
                        continue
                    }
                    var state: [String] = []
                    if !c.headerChecksumMatches { state.append("header checksum mismatch") }
                    if !c.dataChecksumMatches { state.append("data checksum mismatch") }
                    if c.header?.isDirty == true { state.append("dirty") }
                    let range = c.firstRecordID.map { " ids \($0)…\(c.lastRecordID ?? $0)" } ?? ""
                    lines.append(
                        "  chunk \(c.index) @\(c.fileOffset): \(c.records) records\(range)"
                            + (state.isEmpty ? "" : " (" + state.joined(separator: ", ") + ")"))
                }
            }
            if info.diagnostics.isEmpty {
                lines.append("  damage: none")
            } else {
                lines.append("  damage: \(counted(info.diagnostics.count, "problem"))")
                for d in info.diagnostics { lines.append("    \(d.description)") }
            }
            return lines.joined(separator: "\n")
        }

        static func json(_ info: EVTXInfo) -> String {
            var out = ""
            func key(_ k: String) {
                if out.last != "{" { out.append(",") }
                JSONString.appendQuoted(k, to: &out)
                out.append(":")
            }
            func string(_ k: String, _ v: String?) {
                key(k)
                if let v { JSONString.appendQuoted(v, to: &out) } else { out.append("null") }
            }
            func number(_ k: String, _ v: UInt64?) {
                key(k)
                out.append(v.map { String($0) } ?? "null")
            }
            func bool(_ k: String, _ v: Bool) {
                key(k)
                out.append(v ? "true" : "false")
            }
            let h = info.header
            out.append("{")
            string("path", info.path)
            number("size", UInt64(info.fileSize))
            string("version", "\(h.majorVersion).\(h.minorVersion)")
            bool("dirty", h.isDirty)
            bool("full", h.isFull)
            bool("header_checksum_ok", h.checksumMatches)
            number("header_chunk_count", UInt64(h.chunkCount))
            number("next_record_id", h.nextRecordID)
            number("chunks", UInt64(info.chunks.count))
            number("chunks_in_use", UInt64(info.chunks.filter { !$0.isEmpty }.count))
            number("records", UInt64(info.records))
            number("first_record_id", info.firstRecordID)
            number("last_record_id", info.lastRecordID)
            string("earliest", info.earliest)
            string("latest", info.latest)
            key("damage")
            out.append("[")
            for (i, d) in info.diagnostics.enumerated() {
                if i > 0 { out.append(",") }
                out.append("{")
                string("severity", d.severity.rawValue)
                string("code", d.code)
                number("offset", d.location.offset.map { UInt64($0) })
                string("item", d.location.item)
                string("message", d.message)
                out.append("}")
            }
            out.append("]}")
            return out
        }
    }
}

/// Buffered standard output for record streams (records are written as raw bytes).
struct StandardOutput {
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1 << 20) }

    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { flush() }
    }

    mutating func write(newline: Void) { buffer.append(0x0A) }

    mutating func flush() {
        if let failure = buffer.withUnsafeBytes({ WriteAll.bytes($0, to: 1) }) { StandardStreams.failed(failure) }
        buffer.removeAll(keepingCapacity: true)
    }
}
