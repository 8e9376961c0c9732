import VigilCore
import VigilEVTX

// Event sources: files and folders of JSON logs (NDJSON, evtx_dump output, arrays; gzip or plain),
// read in bounded batches so that memory does not grow with the size of the input.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Counts and diagnostics of one read.
public struct LogReadReport: Sendable {
    public var files = 0
    public var documents = 0
    public var bytes = 0
    public var badDocuments = 0
    public var diagnostics: [Diagnostic] = []
    public init() {}
}

public enum LogFormat: Sendable, Equatable {
    case json, evtx, zeek, linuxAudit, syslog
    /// Delimited text with a header row (`,` for .csv, tab for .tsv).
    case csv(separator: UInt8)
    case unsupported

    /// By name, for picking log files out of folders: `.evtx`; `.json`, `.jsonl`, `.ndjson`, `.log`, `.txt`,
    /// `.csv`, `.tsv`, plain or `.gz`. A `.log` or `.txt` file may hold any text format: `detect` reads its start.
    public static func of(_ path: String) -> LogFormat {
        var name = path.lowercased()
        if name.hasSuffix(".gz") { name = String(name.dropLast(3)) }
        if name.hasSuffix(".evtx") { return .evtx }
        if name.hasSuffix(".csv") { return .csv(separator: UInt8(ascii: ",")) }
        if name.hasSuffix(".tsv") { return .csv(separator: 0x09) }
        for ext in [".json", ".jsonl", ".ndjson", ".log", ".txt"] where name.hasSuffix(ext) { return .json }
        return .unsupported
    }

    /// The format of a file, by its content where its name does not settle it: the first line that is not blank
    /// starts a JSON document, a Zeek header (`#separator`, `#fields`), a Linux audit record (`type=… msg=audit(`),
    /// or a syslog line (`<PRI>`, `Mmm dd hh:mm:ss`, an RFC 3339 time). EVTX is told by its signature.
    public static func detect(_ path: String) -> LogFormat {
        let byName = of(path)
        // An EVTX file is read by the EVTX reader whatever its signature: it reports a bad header itself.
        if byName == .evtx { return .evtx }
        let head = LogReader.head(path)
        if head.starts(with: Array("ElfFile\0".utf8)) { return .evtx }
        if case .csv = byName { return byName }
        return of(firstLine: firstLine(head)) ?? (byName == .unsupported ? .unsupported : .json)
    }

    /// The first line that is not blank, without a BOM.
    static func firstLine(_ head: [UInt8]) -> ArraySlice<UInt8> {
        var text = head[...]
        if text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
        for line in text.split(separator: 0x0A) {
            let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            if !trimmed.isEmpty { return trimmed }
        }
        return []
    }

    /// The text format a first line is in, or nil.
    static func of(firstLine line: ArraySlice<UInt8>) -> LogFormat? {
        guard let first = line.first else { return nil }
        let text = String(decoding: line.prefix(200), as: UTF8.self)
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") { return .json }
        if text.hasPrefix("#separator") || text.hasPrefix("#fields") || text.hasPrefix("#path") { return .zeek }
        if (text.hasPrefix("type=") || text.hasPrefix("node=")) && text.contains("audit(") { return .linuxAudit }
        if first == UInt8(ascii: "<"), let close = text.firstIndex(of: ">"),
            text[text.index(after: text.startIndex)..<close].allSatisfy(\.isNumber)
        {
            return .syslog
        }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        if months.contains(where: { text.hasPrefix($0 + " ") }) { return .syslog }
        // rsyslog's high-precision form: an RFC 3339 time, a host, a tag.
        let bytes = Array(line.prefix(20))
        if bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[0..<4].allSatisfy({ $0 &- 0x30 < 10 })
        {
            return .syslog
        }
        return nil
    }
}

public enum LogReader {
    /// Target size of one batch of documents.
    public static let batchBytes = 4 << 20

    /// Log files under `paths`: files as given; folders searched for known log extensions (not `.tsv`).
    public static func logFiles(_ paths: [String]) -> (files: [String], diagnostics: [Diagnostic]) {
        var files: [String] = []
        var diagnostics: [Diagnostic] = []
        for path in paths {
            if FileBytes.isDirectory(path) {
                // A .tsv in a folder is more often a manifest than a log: read TSV logs by naming them.
                files += FileBytes.files(under: path).filter {
                    LogFormat.of($0) != .unsupported && LogFormat.of($0) != .csv(separator: 0x09)
                }
            } else if FileBytes.exists(path) {
                files.append(path)
            } else {
                diagnostics.append(Diagnostic(SourceLocation(file: path), code: "io-open", "no such file or folder"))
            }
        }
        return (files, diagnostics)
    }

    /// Calls `body` with the decompressed bytes of `path` (gzip detected by its magic bytes) as they are read,
    /// `chunkSize` raw bytes at a time, then once with `final` true (and possibly no bytes); reading ends early
    /// when `stop` says so after a chunk. Returns false when the file cannot be opened.
    static func forEachChunk(
        _ path: String, chunkSize: Int = 1 << 20, report: inout LogReadReport, stop: () -> Bool = { false },
        _ body: (UnsafeRawBufferPointer, _ final: Bool) -> Void
    ) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            report.diagnostics.append(
                Diagnostic(SourceLocation(file: path), code: "io-open", "cannot open: \(String(cString: strerror(errno)))"))
            return false
        }
        defer { close(fd) }
        report.files += 1
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var gzip: GzipStream?
        var first = true
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                report.diagnostics.append(
                    Diagnostic(SourceLocation(file: path), code: "io-read", "read failed: \(String(cString: strerror(errno)))"))
                body(UnsafeRawBufferPointer(start: nil, count: 0), true)
                return true
            }
            if first && n >= 2 && chunk[0] == 0x1f && chunk[1] == 0x8b { gzip = GzipStream(file: path) }
            first = false
            report.bytes += n
            if let stream = gzip {
                do {
                    try chunk.withUnsafeBytes { raw in
                        try stream.feed(UnsafeRawBufferPointer(rebasing: raw[..<n]), final: n == 0) { out in body(out, false) }
                    }
                } catch let error as Diagnostic {
                    report.diagnostics.append(error)
                    body(UnsafeRawBufferPointer(start: nil, count: 0), true)
                    return true
                } catch {
                    report.diagnostics.append(Diagnostic(SourceLocation(file: path), code: "gzip-corrupt", "\(error)"))
                    body(UnsafeRawBufferPointer(start: nil, count: 0), true)
                    return true
                }
            } else if n > 0 {
                chunk.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[..<n]), false) }
            }
            if n == 0 || stop() {
                body(UnsafeRawBufferPointer(start: nil, count: 0), true)
                return true
            }
        }
    }

    /// Reads one JSON log file (gzip detected by its magic bytes) and hands out batches of documents.
    /// Events of a known non-Windows source (`sources`) get their channel and time as header fields.
    public static func readJSON(
        _ path: String, sources: JSONSources = .builtin, report: inout LogReadReport, _ body: (EventBatch) -> Void
    ) {
        var splitter = JSONDocumentSplitter(file: path)
        var tagger = JSONSourceTagger(sources: sources, file: path)
        var pending: [UInt8] = []
        pending.reserveCapacity(batchBytes + (1 << 20))
        var documentCount = 0

        func flush(final: Bool) {
            var documents: [DocumentSpan] = []
            let consumed = pending.withUnsafeBytes { buffer in splitter.split(buffer, final: final) { documents.append($0) } }
            if !documents.isEmpty {
                // Hand the whole buffer to the batch (no copy); keep only the unconsumed tail.
                let tail = Array(pending[consumed...])
                documentCount += documents.count
                body(tagger.tag(EventBatch(file: path, bytes: pending, documents: documents)))
                pending = tail
                pending.reserveCapacity(batchBytes + (1 << 20))
            } else if consumed > 0 {
                pending.removeSubrange(..<consumed)
            }
        }

        // Cut batches while inflating: 1 MB of compressed JSON lines inflates to 10-60 MB, which as one batch
        // (times the batches in flight) was most of the memory used.
        guard
            forEachChunk(
                path, report: &report,
                { bytes, final in
                    pending.append(contentsOf: bytes)
                    if final { flush(final: true) } else if pending.count >= batchBytes { flush(final: false) }
                })
        else { return }
        report.documents += documentCount
        report.badDocuments += splitter.badDocuments
        report.diagnostics += splitter.diagnostics
    }

    /// Reads a text log a line at a time through `decoder` and hands out batches of its flat JSON documents.
    /// Lines end with LF (a CR before it is dropped); a last line without LF is read too.
    public static func readLines(
        _ path: String, decoder: inout some LineDecoder, report: inout LogReadReport, _ body: (EventBatch) -> Void
    ) {
        var sink = DocumentSink()
        var diagnostics: [Diagnostic] = []
        var bad = 0
        var carry: [UInt8] = []
        var number = 0
        var documents = 0
        func hand() {
            if let batch = sink.take(file: path) {
                documents += batch.documents.count
                body(batch)
            }
        }
        func line(_ bytes: UnsafeRawBufferPointer) {
            number += 1
            var text = bytes
            if let last = text.last, last == 0x0D { text = UnsafeRawBufferPointer(rebasing: text.dropLast()) }
            decoder.line(text, number: number, into: &sink, diagnostics: &diagnostics, bad: &bad)
            if sink.bytes.count >= batchBytes { hand() }
        }
        let opened = forEachChunk(path, report: &report) { bytes, final in
            var from = 0
            while case let i = LogFile.lineEnd(bytes, from: from), i < bytes.count {
                if carry.isEmpty {
                    line(UnsafeRawBufferPointer(rebasing: bytes[from..<i]))
                } else {
                    carry.append(contentsOf: bytes[from..<i])
                    carry.withUnsafeBytes { line($0) }
                    carry.removeAll(keepingCapacity: true)
                }
                from = i + 1
            }
            carry.append(contentsOf: bytes[from...])
            if final {
                if !carry.isEmpty { carry.withUnsafeBytes { line($0) } }
                carry.removeAll()
                decoder.finish(into: &sink, diagnostics: &diagnostics, bad: &bad)
                hand()
            }
        }
        guard opened else { return }
        report.documents += documents
        report.badDocuments += bad
        report.diagnostics += diagnostics
    }
}

extension LogReader {
    /// Up to `limit` bytes from the start of a file, decompressed when it is gzip; empty when it cannot be read.
    static func head(_ path: String, limit: Int = 8192) -> [UInt8] {
        var out: [UInt8] = []
        var uncounted = LogReadReport()
        _ = forEachChunk(path, chunkSize: 65536, report: &uncounted, stop: { out.count >= limit }) { bytes, _ in
            out += bytes.prefix(limit - out.count)
        }
        return out
    }

    /// Reads any log file in the format `LogFormat.detect` finds, handing out batches of JSON documents. A file in
    /// no known format is a diagnostic.
    public static func read(
        _ path: String, threads: Int = 1, sources: JSONSources = .builtin, report: inout LogReadReport, _ body: (EventBatch) -> Void
    ) {
        switch LogFormat.detect(path) {
        case .evtx: readEVTX(path, threads: threads, report: &report, body)
        case .json: readJSON(path, sources: sources, report: &report, body)
        case .zeek:
            var decoder = ZeekTSVDecoder(file: path)
            readLines(path, decoder: &decoder, report: &report, body)
        case .linuxAudit:
            var decoder = LinuxAuditDecoder(file: path)
            readLines(path, decoder: &decoder, report: &report, body)
        case .syslog:
            var decoder = SyslogDecoder(file: path)
            readLines(path, decoder: &decoder, report: &report, body)
        case .csv(let separator):
            var decoder = CSVDecoder(file: path, separator: separator)
            readLines(path, decoder: &decoder, report: &report, body)
        case .unsupported:
            report.badDocuments += 1
            report.diagnostics.append(
                Diagnostic(
                    SourceLocation(file: path), code: "log-format-unknown",
                    "not a log format Vigil reads (EVTX, JSON, Zeek TSV, Linux audit, syslog, CSV)"))
        }
    }

    /// EVTX files, decoded by VigilEVTX into evtx_dump-shaped JSON and handed out in batches.
    /// A span's `line` is the record's EventRecordID.
    public static func readEVTX(_ path: String, threads: Int = 1, report: inout LogReadReport, _ body: (EventBatch) -> Void) {
        let file: EVTXFile
        do { file = try EVTXFile(path: path) } catch {
            report.diagnostics.append(error)
            report.badDocuments += 1
            return
        }
        report.files += 1
        report.bytes += file.fileSize
        var bytes: [UInt8] = []
        bytes.reserveCapacity(batchBytes + (1 << 16))
        var spans: [DocumentSpan] = []
        var documents = 0
        let diagnostics = file.forEachRecord(format: .json, threads: threads) { record in
            let start = bytes.count
            bytes.append(contentsOf: record.rendering)
            spans.append(DocumentSpan(start: start, end: bytes.count, line: Int(truncatingIfNeeded: record.recordID)))
            documents += 1
            if bytes.count >= batchBytes {
                body(EventBatch(file: path, bytes: bytes, documents: spans))
                bytes.removeAll(keepingCapacity: true)
                spans.removeAll(keepingCapacity: true)
            }
        }
        if !spans.isEmpty { body(EventBatch(file: path, bytes: bytes, documents: spans)) }
        report.documents += documents
        report.badDocuments += diagnostics.filter { $0.severity == .error }.count
        report.diagnostics += diagnostics
    }
}
