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

public enum LogFormat: Sendable {
    case json, evtx, unsupported

    /// By name: `.evtx` is EVTX; `.json`, `.jsonl`, `.ndjson`, `.log`, `.txt` and their `.gz` forms are JSON.
    public static func of(_ path: String) -> LogFormat {
        var name = path.lowercased()
        if name.hasSuffix(".gz") { name = String(name.dropLast(3)) }
        if name.hasSuffix(".evtx") { return .evtx }
        for ext in [".json", ".jsonl", ".ndjson", ".log", ".txt"] where name.hasSuffix(ext) { return .json }
        return .unsupported
    }
}

public enum LogReader {
    /// Target size of one batch of documents.
    public static let batchBytes = 4 << 20

    /// Log files under `paths`: files as given; folders searched for known log extensions.
    public static func logFiles(_ paths: [String]) -> (files: [String], diagnostics: [Diagnostic]) {
        var files: [String] = []
        var diagnostics: [Diagnostic] = []
        for path in paths {
            if FileBytes.isDirectory(path) {
                files += FileBytes.files(under: path).filter { LogFormat.of($0) != .unsupported }
            } else if FileBytes.exists(path) {
                files.append(path)
            } else {
                diagnostics.append(Diagnostic(SourceLocation(file: path), code: "io-open", "no such file or folder"))
            }
        }
        return (files, diagnostics)
    }

    /// Reads one JSON log file (gzip detected by its magic bytes) and hands out batches of documents.
    public static func readJSON(_ path: String, report: inout LogReadReport, _ body: (EventBatch) -> Void) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            report.diagnostics.append(
                Diagnostic(SourceLocation(file: path), code: "io-open", "cannot open: \(String(cString: strerror(errno)))"))
            return
        }
        defer { close(fd) }
        report.files += 1
        var splitter = JSONDocumentSplitter(file: path)
        var pending: [UInt8] = []
        pending.reserveCapacity(batchBytes + (1 << 20))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var gzip: GzipStream?
        var first = true

        func flush(final: Bool) {
            var documents: [DocumentSpan] = []
            let consumed = pending.withUnsafeBytes { buffer in splitter.split(buffer, final: final) { documents.append($0) } }
            if !documents.isEmpty {
                // Hand the whole buffer to the batch (no copy); keep only the unconsumed tail.
                let tail = Array(pending[consumed...])
                report.documents += documents.count
                body(EventBatch(file: path, bytes: pending, documents: documents))
                pending = tail
                pending.reserveCapacity(batchBytes + (1 << 20))
            } else if consumed > 0 {
                pending.removeSubrange(..<consumed)
            }
        }

        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                report.diagnostics.append(
                    Diagnostic(SourceLocation(file: path), code: "io-read", "read failed: \(String(cString: strerror(errno)))"))
                break
            }
            if first && n >= 2 && chunk[0] == 0x1f && chunk[1] == 0x8b { gzip = GzipStream(file: path) }
            first = false
            report.bytes += n
            if let stream = gzip {
                do {
                    try chunk.withUnsafeBytes { raw in
                        try stream.feed(UnsafeRawBufferPointer(rebasing: raw[..<n]), final: n == 0) { out in
                            pending.append(contentsOf: out)
                            // Cut batches while inflating: 1 MB of compressed JSON lines inflates to 10-60 MB,
                            // which as one batch (times the batches in flight) was most of the memory used.
                            if pending.count >= batchBytes { flush(final: false) }
                        }
                    }
                } catch let error as Diagnostic {
                    report.diagnostics.append(error)
                    flush(final: true)
                    break
                } catch {
                    report.diagnostics.append(Diagnostic(SourceLocation(file: path), code: "gzip-corrupt", "\(error)"))
                    break
                }
            } else if n > 0 {
                pending.append(contentsOf: chunk[..<n])
            }
            if n == 0 {
                flush(final: true)
                break
            }
            if pending.count >= batchBytes { flush(final: false) }
        }
        report.badDocuments += splitter.badDocuments
        report.diagnostics += splitter.diagnostics
    }
}

extension LogReader {
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
