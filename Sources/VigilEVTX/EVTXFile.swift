// The public face of the reader: open a file (memory-mapped), then read its records in order,
// on the calling thread or with chunks decoded in parallel and delivered in record order.

import Dispatch
import VigilCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One record as delivered to a reader callback.
public struct EVTXRecord {
    /// `EventRecordID` from the record header.
    public let recordID: UInt64
    /// Record header time as a Windows FILETIME (100 ns since 1601-01-01 UTC).
    public let filetime: UInt64
    /// Index of the chunk holding the record, and the record's byte offset in the file.
    public let chunkIndex: Int
    public let fileOffset: Int
    /// The rendering (evtx_dump JSON or XML, per the requested format). Valid only during the
    /// callback; copy it (`bytes`) to keep it.
    public let rendering: UnsafeRawBufferPointer

    /// The header time as evtx_dump writes it, e.g. `2019-03-19T23:34:25.123456Z`.
    public var timestamp: String { FileTime.iso8601(filetime) ?? "" }
    public var bytes: [UInt8] { Array(rendering) }
    public var text: String { String(decoding: rendering, as: UTF8.self) }
}

/// A record with its own copy of the rendering.
public struct EVTXOwnedRecord: Sendable, Hashable {
    public var recordID: UInt64
    public var filetime: UInt64
    public var chunkIndex: Int
    public var fileOffset: Int
    public var rendering: [UInt8]
    public var timestamp: String { FileTime.iso8601(filetime) ?? "" }
    public var text: String { String(decoding: rendering, as: UTF8.self) }
}

/// What a chunk looked like, for `vigil evtx info`.
public struct EVTXChunkInfo: Sendable, Codable {
    public var index: Int
    public var fileOffset: Int
    public var isEmpty: Bool
    public var header: ChunkHeader?
    public var headerChecksumMatches: Bool
    public var dataChecksumMatches: Bool
    public var records: Int
    public var firstRecordID: UInt64?
    public var lastRecordID: UInt64?
}

/// Summary of a whole file.
public struct EVTXInfo: Sendable, Codable {
    public var path: String
    public var fileSize: Int
    public var header: FileHeader
    public var chunks: [EVTXChunkInfo]
    public var records: Int
    public var firstRecordID: UInt64?
    public var lastRecordID: UInt64?
    /// Earliest and latest record header times, evtx_dump format.
    public var earliest: String?
    public var latest: String?
    public var diagnostics: [Diagnostic]
}

/// The bytes of an opened file: a read-only memory mapping, or a private copy.
final class FileStorage: @unchecked Sendable {
    let base: UnsafeRawPointer?
    let count: Int
    private let mapped: Bool

    init(base: UnsafeRawPointer?, count: Int, mapped: Bool) {
        self.base = base
        self.count = count
        self.mapped = mapped
    }

    static func load(_ path: String) throws(Diagnostic) -> FileStorage {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw Diagnostic(SourceLocation(file: path), code: "io-open", "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0,
            let p = mmap(nil, Int(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED
        {
            return FileStorage(base: UnsafeRawPointer(p), count: Int(info.st_size), mapped: true)
        }
        // Pipes, special files, empty files: read them instead.
        return copying(try FileBytes.read(path))
    }

    static func copying(_ bytes: [UInt8]) -> FileStorage {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { if let b = $0.baseAddress { p.copyMemory(from: b, byteCount: $0.count) } }
        return FileStorage(base: UnsafeRawPointer(p), count: bytes.count, mapped: false)
    }

    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    deinit {
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutableRawPointer(mutating: base)?.deallocate()
        }
    }
}

/// An EVTX file opened for reading.
///
/// ```swift
/// let file = try EVTXFile(path: "Security.evtx")
/// let diagnostics = file.forEachRecord { record in
///     print(record.recordID, record.timestamp, record.text)   // evtx_dump JSON
/// }
/// ```
public final class EVTXFile: Sendable {
    public let path: String
    public let header: FileHeader
    let storage: FileStorage
    /// Problems with the file as a whole (header checksum), reported before any chunk's.
    let fileDiagnostics: [Diagnostic]

    /// Opens and memory-maps `path`. Throws when it cannot be read or is not an EVTX file.
    public convenience init(path: String) throws(Diagnostic) {
        try self.init(storage: FileStorage.load(path), name: path)
    }

    /// Reads EVTX bytes already in memory; `name` is used in diagnostics.
    public convenience init(bytes: [UInt8], name: String) throws(Diagnostic) {
        try self.init(storage: FileStorage.copying(bytes), name: name)
    }

    init(storage: FileStorage, name: String) throws(Diagnostic) {
        self.storage = storage
        self.path = name
        let bytes = storage.buffer
        guard bytes.count >= 8, bytes.prefix(8).elementsEqual("ElfFile\0".utf8) else {
            throw Diagnostic(SourceLocation(file: name, offset: 0), code: "evtx-header", "not an EVTX file (no ElfFile signature)")
        }
        guard bytes.count >= FileHeader.blockSize, let header = FileHeader.parse(bytes) else {
            throw Diagnostic(
                SourceLocation(file: name, offset: bytes.count), code: "evtx-truncated",
                "file ends inside its 4096-byte header (\(bytes.count) bytes)")
        }
        self.header = header
        var diagnostics: [Diagnostic] = []
        if !header.checksumMatches {
            diagnostics.append(
                Diagnostic(
                    SourceLocation(file: name, offset: 124, item: "file header"), .warning, code: "evtx-header-checksum",
                    "file header checksum mismatch"))
        }
        fileDiagnostics = diagnostics
    }

    public var fileSize: Int { storage.count }

    /// Chunk slots in the file, a partial one at the end included.
    public var chunkCount: Int {
        let body = storage.count - FileHeader.blockSize
        return body <= 0 ? 0 : (body + ChunkHeader.chunkSize - 1) / ChunkHeader.chunkSize
    }

    func decodeChunk(_ index: Int, with decoder: inout ChunkDecoder, format: RecordFormat, spare: RenderedBytes? = nil) -> DecodedChunk {
        let offset = FileHeader.blockSize + index * ChunkHeader.chunkSize
        let size = min(ChunkHeader.chunkSize, storage.count - offset)
        return decoder.decode(
            storage.buffer.slice(offset, size), index: index, fileOffset: offset, file: path, format: format, spare: spare)
    }

    private func deliver(_ chunk: DecodedChunk, _ body: (EVTXRecord) throws -> Void) rethrows {
        guard let rendered = chunk.output else { return }
        try rendered.withUnsafeBytes { output in
            for entry in chunk.records {
                try body(
                    EVTXRecord(
                        recordID: entry.recordID, filetime: entry.filetime, chunkIndex: chunk.index, fileOffset: entry.fileOffset,
                        rendering: output.slice(entry.start, entry.end - entry.start)))
            }
        }
    }

    /// Reads every record in file order on the calling thread. Returns the diagnostics: damaged
    /// chunks and records are skipped and reported, never fatal.
    @discardableResult
    public func forEachRecord(format: RecordFormat = .json, _ body: (EVTXRecord) throws -> Void) rethrows -> [Diagnostic] {
        var diagnostics = fileDiagnostics
        var decoder = ChunkDecoder()
        var spare: RenderedBytes?
        for index in 0..<chunkCount {
            let chunk = decodeChunk(index, with: &decoder, format: format, spare: spare)
            diagnostics.append(contentsOf: chunk.diagnostics)
            try deliver(chunk, body)
            if chunk.output != nil { spare = chunk.output }
        }
        return diagnostics
    }

    /// Like `forEachRecord`, with chunks decoded by `threads` worker threads (0: one per core)
    /// while the calling thread delivers records in file order. At most a few chunks per thread
    /// are held in memory at once.
    @discardableResult
    public func forEachRecord(
        format: RecordFormat = .json, threads: Int, _ body: (EVTXRecord) -> Void
    ) -> [Diagnostic] {
        let workers = threads > 0 ? threads : ProcessorCount.online
        let total = chunkCount
        if workers <= 1 || total <= 1 { return forEachRecord(format: format, body) }
        var diagnostics = fileDiagnostics
        let pipeline = ChunkPipeline(file: self, format: format, total: total, window: workers * 2)
        let group = DispatchGroup()
        for _ in 0..<min(workers, total) {
            DispatchQueue.global().async(group: group) { pipeline.work() }
        }
        for index in 0..<total {
            let chunk = pipeline.take(index)
            diagnostics.append(contentsOf: chunk.diagnostics)
            deliver(chunk, body)
            if let rendered = chunk.output { pipeline.recycle(rendered) }
        }
        group.wait()
        return diagnostics
    }

    /// All records with copies of their renderings, and the diagnostics.
    public func records(format: RecordFormat = .json) -> (records: [EVTXOwnedRecord], diagnostics: [Diagnostic]) {
        var records: [EVTXOwnedRecord] = []
        let diagnostics = forEachRecord(format: format) { r in
            records.append(
                EVTXOwnedRecord(
                    recordID: r.recordID, filetime: r.filetime, chunkIndex: r.chunkIndex, fileOffset: r.fileOffset,
                    rendering: r.bytes))
        }
        return (records, diagnostics)
    }

    /// Header, chunks, record count and range, and every diagnostic.
    public func info() -> EVTXInfo {
        var result = EVTXInfo(path: path, fileSize: storage.count, header: header, chunks: [], records: 0, diagnostics: fileDiagnostics)
        var decoder = ChunkDecoder()
        var earliest = UInt64.max
        var latest = UInt64.min
        for index in 0..<chunkCount {
            let chunk = decodeChunk(index, with: &decoder, format: .json)
            result.diagnostics.append(contentsOf: chunk.diagnostics)
            result.chunks.append(
                EVTXChunkInfo(
                    index: index, fileOffset: chunk.fileOffset, isEmpty: chunk.isEmpty, header: chunk.header,
                    headerChecksumMatches: chunk.headerChecksumMatches, dataChecksumMatches: chunk.dataChecksumMatches,
                    records: chunk.records.count, firstRecordID: chunk.records.first?.recordID,
                    lastRecordID: chunk.records.last?.recordID))
            for r in chunk.records {
                result.records += 1
                result.firstRecordID = min(result.firstRecordID ?? r.recordID, r.recordID)
                result.lastRecordID = max(result.lastRecordID ?? r.recordID, r.recordID)
                earliest = min(earliest, r.filetime)
                latest = max(latest, r.filetime)
            }
        }
        if result.records > 0 {
            result.earliest = FileTime.iso8601(earliest)
            result.latest = FileTime.iso8601(latest)
        }
        return result
    }
}

enum ProcessorCount {
    static var online: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

/// Worker threads claim runs of `group` chunks in order and park each run's results in a ring of `window`
/// slots; the consumer takes run after run in order. A worker cannot run more than `window` runs ahead of the
/// consumer, which bounds memory. Runs, not single chunks: each hand-over wakes a thread (a futex call and a
/// reschedule), a tenth of the decoding when it was done per 64 KiB chunk.
final class ChunkPipeline: @unchecked Sendable {
    let file: EVTXFile
    let format: RecordFormat
    let total: Int
    let window: Int
    let group: Int
    private var slots: [[DecodedChunk]?]
    private let ready: [DispatchSemaphore]
    private let space: DispatchSemaphore
    private let lock = DispatchSemaphore(value: 1)
    private var next = 0
    /// Storage of delivered chunks, for the workers to render into again.
    private var spares: [RenderedBytes] = []
    /// The consumer's current run and its first chunk index.
    private var current: [DecodedChunk] = []
    private var currentStart = -1

    init(file: EVTXFile, format: RecordFormat, total: Int, window: Int, group: Int = 8) {
        self.file = file
        self.format = format
        self.total = total
        self.window = window
        self.group = group
        slots = Array(repeating: nil, count: window)
        ready = (0..<window).map { _ in DispatchSemaphore(value: 0) }
        space = DispatchSemaphore(value: window)
    }

    func work() {
        var decoder = ChunkDecoder()
        while true {
            space.wait()
            lock.wait()
            let run = next
            next += 1
            lock.signal()
            let start = run * group
            if start >= total {
                space.signal()
                return
            }
            var chunks: [DecodedChunk] = []
            chunks.reserveCapacity(group)
            for index in start..<min(total, start + group) {
                lock.wait()
                let spare = spares.popLast()
                lock.signal()
                chunks.append(file.decodeChunk(index, with: &decoder, format: format, spare: spare))
            }
            lock.wait()
            slots[run % window] = chunks
            lock.signal()
            ready[run % window].signal()
        }
    }

    func recycle(_ rendered: RenderedBytes) {
        lock.wait()
        if spares.count < window * group { spares.append(rendered) }
        lock.signal()
    }

    /// Chunk `index`; called with 0, 1, 2, … in order.
    func take(_ index: Int) -> DecodedChunk {
        if index >= currentStart + current.count || currentStart < 0 {
            let run = index / group
            ready[run % window].wait()
            lock.wait()
            current = slots[run % window]!
            slots[run % window] = nil
            lock.signal()
            space.signal()
            currentStart = run * group
        }
        return current[index - currentStart]
    }
}
