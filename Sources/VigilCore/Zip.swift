// ZIP archives (PKWARE APPNOTE 6.3) read from memory: the central directory (Zip64 too), stored and deflated
// entries inflated with zlib and checked against their CRC-32, and names, types and sizes checked up front so
// that unpacking an archive cannot write outside its folder, follow a link, or fill the disk.

import CZlib

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct ZipArchive: Sendable {
    /// What an archive may hold; more is refused before anything is inflated.
    public struct Limits: Sendable {
        public var maxEntries: Int
        public var maxEntryBytes: Int
        public var maxTotalBytes: Int

        public init(maxEntries: Int = 100_000, maxEntryBytes: Int = 64 << 20, maxTotalBytes: Int = 2 << 30) {
            self.maxEntries = maxEntries
            self.maxEntryBytes = maxEntryBytes
            self.maxTotalBytes = maxTotalBytes
        }
    }

    public struct Entry: Sendable, Equatable {
        /// A relative path of `/`-separated names, none empty, `.` or `..`; a directory's ends with `/`.
        public var name: String
        public var isDirectory: Bool
        /// 0 stored, 8 deflated.
        public var method: UInt16
        public var crc32: UInt32
        public var compressedSize: Int
        public var size: Int
        /// Where the entry's local header starts, and where its data starts.
        public var headerOffset: Int
        public var dataOffset: Int
    }

    public let file: String
    /// In central-directory order.
    public let entries: [Entry]
    private let bytes: [UInt8]

    /// Reads the central directory and checks every entry. Any entry that is unsafe or malformed (a name that
    /// climbs out or is absolute, a link or device, encryption, an unknown method, a duplicate, overlapping data,
    /// a size over the limits) rejects the whole archive.
    public init(_ bytes: [UInt8], file: String, limits: Limits = Limits()) throws(Diagnostic) {
        self.bytes = bytes
        self.file = file
        let reader = Reader(bytes: bytes, file: file)
        let directory = try reader.endOfCentralDirectory()
        guard directory.count <= limits.maxEntries else {
            throw reader.error("zip-too-many-entries", "has \(directory.count) entries; at most \(limits.maxEntries) are accepted")
        }
        var entries: [Entry] = []
        var names: Set<String> = []
        var total = 0
        var position = directory.offset
        for _ in 0..<directory.count {
            let (entry, next) = try reader.centralEntry(at: position, directoryEnd: directory.offset + directory.size)
            position = next
            guard names.insert(entry.name).inserted else {
                throw reader.error("zip-duplicate-name", "holds '\(entry.name)' twice", offset: entry.headerOffset)
            }
            guard entry.size <= limits.maxEntryBytes else {
                throw reader.error(
                    "zip-entry-too-large", "'\(entry.name)' is \(entry.size) bytes; at most \(limits.maxEntryBytes) are accepted")
            }
            total += entry.size
            guard total <= limits.maxTotalBytes else {
                throw reader.error("zip-too-large", "unpacks to more than \(limits.maxTotalBytes) bytes")
            }
            entries.append(entry)
        }
        guard position == directory.offset + directory.size else {
            throw reader.error("zip-corrupt", "the central directory's size does not match its entries", offset: position)
        }
        // A file may not stand where another entry needs a folder ("a" and "a/b").
        for entry in entries {
            var parent = entry.name.hasSuffix("/") ? String(entry.name.dropLast()) : entry.name
            while let slash = parent.lastIndex(of: "/") {
                parent = String(parent[..<slash])
                if names.contains(parent) {
                    throw reader.error("zip-unsafe-path", "'\(entry.name)' lies below the file '\(parent)'", offset: entry.headerOffset)
                }
            }
        }
        // Entries may not share bytes: overlapping entries are how one small archive unpacks to a huge one.
        let ordered = entries.sorted { $0.headerOffset < $1.headerOffset }
        for (a, b) in zip(ordered, ordered.dropFirst()) where a.dataOffset + a.compressedSize > b.headerOffset {
            throw reader.error("zip-overlap", "'\(a.name)' and '\(b.name)' overlap", offset: b.headerOffset)
        }
        if let last = ordered.last, last.dataOffset + last.compressedSize > directory.offset {
            throw reader.error("zip-overlap", "'\(last.name)' runs into the central directory", offset: last.headerOffset)
        }
        self.entries = entries
    }

    /// The entry's bytes, inflated and checked against its size and CRC-32.
    public func contents(of entry: Entry) throws(Diagnostic) -> [UInt8] {
        let location = SourceLocation(file: file, offset: entry.headerOffset, item: entry.name)
        if entry.isDirectory { return [] }
        var output = [UInt8](repeating: 0, count: entry.size)
        let range = entry.dataOffset..<(entry.dataOffset + entry.compressedSize)
        if entry.method == 0 {
            output.replaceSubrange(0..<entry.size, with: bytes[range])
        } else {
            let produced = try bytes.withUnsafeBufferPointer { (input) throws(Diagnostic) -> Int in
                try output.withUnsafeMutableBufferPointer { (out) throws(Diagnostic) -> Int in
                    try Self.inflateRaw(UnsafeBufferPointer(rebasing: input[range]), into: out, location: location)
                }
            }
            guard produced == entry.size else {
                throw Diagnostic(location, code: "zip-corrupt", "inflates to \(produced) bytes, not the \(entry.size) its header states")
            }
        }
        let crc = output.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
        guard crc == entry.crc32 else {
            throw Diagnostic(location, code: "zip-crc", "CRC-32 mismatch (\(Self.hex(crc)) computed, \(Self.hex(entry.crc32)) stated)")
        }
        return output
    }

    /// Unpacks every entry below `folder` (created if needed), each file created new (never through an existing
    /// file or link) with mode 0644. Stops at the first entry that fails; the caller removes the folder.
    public func extract(into folder: String) throws(Diagnostic) {
        try FileBytes.makeDirectories(folder)
        for entry in entries {
            let path = folder + "/" + (entry.isDirectory ? String(entry.name.dropLast()) : entry.name)
            if entry.isDirectory {
                try FileBytes.makeDirectories(path)
                continue
            }
            if let slash = path.lastIndex(of: "/") { try FileBytes.makeDirectories(String(path[..<slash])) }
            let data = try contents(of: entry)
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw Diagnostic(SourceLocation(file: path), code: "io-write", "cannot create: \(WriteAll.message(errno))")
            }
            let failed = data.withUnsafeBytes { WriteAll.bytes($0, to: fd) }
            close(fd)
            if let failed { throw Diagnostic(SourceLocation(file: path), code: "io-write", "write failed: \(WriteAll.message(failed))") }
        }
    }

    /// Why `name` cannot be unpacked as given, or nil when it is a plain relative path.
    public static func unsafeReason(_ name: String) -> String? {
        if name.isEmpty { return "an empty name" }
        if name.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) { return "a control character in the name" }
        if name.contains("\\") { return "a backslash in the name" }
        if name.hasPrefix("/") { return "an absolute path" }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        if let first = parts.first, first.count >= 2, first.dropFirst().first == ":" { return "a drive letter" }
        for (i, part) in parts.enumerated() {
            if part.isEmpty && i == parts.count - 1 && i > 0 { continue }  // a directory's trailing slash
            if part.isEmpty { return "an empty path component" }
            if part == "." || part == ".." { return "a '\(part)' path component" }
        }
        return nil
    }

    /// Raw deflate (no zlib or gzip header) into `out`; returns the bytes produced. More output than `out` holds,
    /// or input that ends before the stream does, is an error.
    static func inflateRaw(
        _ input: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, location: SourceLocation
    ) throws(Diagnostic) -> Int {
        var z = z_stream()
        guard inflateInit2_(&z, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Diagnostic(location, code: "zip-inflate", "zlib could not start")
        }
        defer { inflateEnd(&z) }
        // zlib reads next_in without writing it; an empty buffer still needs an address.
        var empty: UInt8 = 0
        z.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0) } ?? withUnsafeMutablePointer(to: &empty) { $0 }
        z.avail_in = uInt(input.count)
        var spare: UInt8 = 0
        z.next_out = out.baseAddress ?? withUnsafeMutablePointer(to: &spare) { $0 }
        z.avail_out = uInt(out.count)
        var status = inflate(&z, Z_FINISH)
        if z.avail_out == 0 && (status == Z_OK || status == Z_BUF_ERROR) {
            // The output is full: one more byte would mean the entry is larger than stated.
            var probe: UInt8 = 0
            let produced = out.count - Int(z.avail_out)
            status = withUnsafeMutablePointer(to: &probe) { p in
                z.next_out = p
                z.avail_out = 1
                return inflate(&z, Z_FINISH)
            }
            if z.avail_out == 0 {
                throw Diagnostic(location, code: "zip-corrupt", "inflates to more than the \(out.count) bytes its header states")
            }
            if status == Z_STREAM_END { return produced }
        }
        switch status {
        case Z_STREAM_END: return out.count - Int(z.avail_out)
        case Z_BUF_ERROR: throw Diagnostic(location, code: "zip-corrupt", "the compressed data ends early")
        default:
            let message = z.msg.map { String(cString: $0) } ?? "error \(status)"
            throw Diagnostic(location, code: "zip-corrupt", "invalid deflate data: \(message)")
        }
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Little-endian fields at offsets, every read bounds-checked.
    struct Reader {
        let bytes: [UInt8]
        let file: String

        func error(_ code: String, _ message: String, offset: Int? = nil) -> Diagnostic {
            Diagnostic(SourceLocation(file: file, offset: offset), code: code, "not a usable ZIP archive: " + message)
        }

        func need(_ offset: Int, _ count: Int) throws(Diagnostic) {
            guard offset >= 0, count >= 0, offset <= bytes.count - count else {
                throw error("zip-truncated", "a record runs past the end of the file", offset: offset)
            }
        }

        func u16(_ offset: Int) throws(Diagnostic) -> Int {
            try need(offset, 2)
            return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
        }

        func u32(_ offset: Int) throws(Diagnostic) -> Int { try u16(offset) | u16(offset + 2) << 16 }

        func u64(_ offset: Int) throws(Diagnostic) -> Int {
            let high = try u32(offset + 4)
            guard high < 1 << 30 else { throw error("zip-corrupt", "a 64-bit size or offset is absurd", offset: offset) }
            return try u32(offset) | high << 32
        }

        /// The central directory: where it starts, its size and its number of entries, from the end record (and
        /// the Zip64 end record where one is located). Data before the first entry or after the end record is refused.
        func endOfCentralDirectory() throws(Diagnostic) -> (offset: Int, size: Int, count: Int) {
            guard bytes.count >= 22 else { throw error("zip-not-zip", "too short to be a ZIP archive") }
            var end: Int?
            var candidate = bytes.count - 22
            let lowest = max(0, bytes.count - 22 - 0xFFFF)
            while candidate >= lowest {
                if bytes[candidate] == 0x50 && bytes[candidate + 1] == 0x4b && bytes[candidate + 2] == 5 && bytes[candidate + 3] == 6,
                    try candidate + 22 + u16(candidate + 20) == bytes.count
                {
                    end = candidate
                    break
                }
                candidate -= 1
            }
            guard let end else { throw error("zip-not-zip", "no end-of-central-directory record") }
            var disk = try u16(end + 4)
            var directoryDisk = try u16(end + 6)
            var onDisk = try u16(end + 8)
            var count = try u16(end + 10)
            var size = try u32(end + 12)
            var offset = try u32(end + 16)
            var directoryEnd = end
            // Zip64: a locator just before the end record points at the Zip64 end record, which holds the real values.
            if end >= 20, try u32(end - 20) == 0x0706_4b50 {
                let record = try u64(end - 20 + 8)
                guard try u32(record) == 0x0606_4b50 else { throw error("zip-corrupt", "the Zip64 locator points at no Zip64 record") }
                guard try u32(end - 20 + 16) <= 1 else { throw error("zip-multi-disk", "spans several disks") }
                disk = try u32(record + 16)
                directoryDisk = try u32(record + 20)
                onDisk = try u64(record + 24)
                count = try u64(record + 32)
                size = try u64(record + 40)
                offset = try u64(record + 48)
                directoryEnd = record
            }
            guard disk == 0, directoryDisk == 0, onDisk == count else { throw error("zip-multi-disk", "spans several disks") }
            guard offset <= directoryEnd, size == directoryEnd - offset else {
                throw error("zip-corrupt", "the central directory is not where the end record says", offset: offset)
            }
            if count > 0, try u32(0) != 0x0403_4b50 {
                throw error("zip-corrupt", "data before the first entry (a self-extracting or concatenated file?)", offset: 0)
            }
            return (offset, size, count)
        }

        /// One central-directory record at `at`, checked, and the offset of the next.
        func centralEntry(at position: Int, directoryEnd: Int) throws(Diagnostic) -> (ZipArchive.Entry, next: Int) {
            try need(position, 46)
            guard try u32(position) == 0x0201_4b50 else {
                throw error("zip-corrupt", "a central-directory record is missing", offset: position)
            }
            let madeBy = try u16(position + 4)
            let flags = try u16(position + 8)
            let method = try u16(position + 10)
            let crc = try u32(position + 16)
            var compressed = try u32(position + 20)
            var size = try u32(position + 24)
            let nameLength = try u16(position + 28)
            let extraLength = try u16(position + 30)
            let commentLength = try u16(position + 32)
            var disk = try u16(position + 34)
            let external = try u32(position + 38)
            var header = try u32(position + 42)
            let nameStart = position + 46
            let next = nameStart + nameLength + extraLength + commentLength
            guard next <= directoryEnd else { throw error("zip-corrupt", "a central-directory record runs past its end", offset: position) }
            let nameBytes = Array(bytes[nameStart..<(nameStart + nameLength)])
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                throw error("zip-unsafe-path", "an entry's name is not UTF-8", offset: position)
            }
            // Zip64 extended information: 64-bit values for the fields that hold all ones, in this order.
            var field = nameStart + nameLength
            let extraEnd = field + extraLength
            while field + 4 <= extraEnd {
                let id = try u16(field)
                let length = try u16(field + 2)
                var value = field + 4
                guard value + length <= extraEnd else { throw error("zip-corrupt", "'\(name)': an extra field runs past its end") }
                if id == 1 {
                    func take() throws(Diagnostic) -> Int {
                        guard value + 8 <= field + 4 + length else { throw error("zip-corrupt", "'\(name)': a short Zip64 field") }
                        defer { value += 8 }
                        return try u64(value)
                    }
                    if size == 0xFFFF_FFFF { size = try take() }
                    if compressed == 0xFFFF_FFFF { compressed = try take() }
                    if header == 0xFFFF_FFFF { header = try take() }
                    if disk == 0xFFFF { disk = try u32(value) }
                }
                field += 4 + length
            }
            let offset = header
            func refuse(_ code: String, _ why: String) -> Diagnostic { error(code, "'\(name)': " + why, offset: offset) }
            if let reason = ZipArchive.unsafeReason(name) { throw refuse("zip-unsafe-path", reason) }
            guard disk == 0 else { throw refuse("zip-multi-disk", "lies on another disk") }
            guard flags & 0x41 == 0 else { throw refuse("zip-encrypted", "is encrypted") }
            guard method == 0 || method == 8 else {
                throw refuse("zip-method", "compression method \(method) is not stored (0) or deflate (8)")
            }
            // Unix hosts keep the file type in the high half of the external attributes: only files and folders.
            let type = external >> 16 & 0o170000
            if madeBy >> 8 == 3 && type != 0 && type != 0o100000 && type != 0o040000 {
                throw refuse("zip-unsafe-type", type == 0o120000 ? "is a symbolic link" : "is not a regular file or folder")
            }
            let isDirectory = name.hasSuffix("/")
            if isDirectory && (size != 0 || madeBy >> 8 == 3 && type == 0o100000) {
                throw refuse("zip-corrupt", "a folder with contents")
            }
            if !isDirectory && madeBy >> 8 == 3 && type == 0o040000 { throw refuse("zip-corrupt", "a folder without a trailing '/'") }
            if method == 0 && compressed != size { throw refuse("zip-corrupt", "stored, but its two sizes differ") }
            // The local header repeats the name; its own extra field decides where the data starts.
            try need(offset, 30)
            guard try u32(offset) == 0x0403_4b50 else { throw refuse("zip-corrupt", "no local header where the directory says") }
            let localName = try u16(offset + 26)
            let localExtra = try u16(offset + 28)
            try need(offset + 30, localName)
            guard localName == nameLength, bytes[(offset + 30)..<(offset + 30 + localName)].elementsEqual(nameBytes) else {
                throw refuse("zip-corrupt", "the local header names another file")
            }
            let data = offset + 30 + localName + localExtra
            try need(data, compressed)
            let entry = ZipArchive.Entry(
                name: name, isDirectory: isDirectory, method: UInt16(method), crc32: UInt32(crc), compressedSize: compressed, size: size,
                headerOffset: offset, dataOffset: data)
            return (entry, next)
        }
    }
}
