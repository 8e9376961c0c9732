// Reading whole inputs as bytes: plain files, and gzip files inflated transparently.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The C library's `read`, which `FileBytes.read` hides inside the enum.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, buffer, count) }

public enum FileBytes {
    /// Upper bound on what one input may inflate to, so that a gzip bomb cannot exhaust memory.
    public static let defaultInflateLimit = 4 << 30

    /// Reads a file's bytes. Errors are diagnostics naming the file.
    public static func read(_ path: String) throws(Diagnostic) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw Diagnostic(SourceLocation(file: path), code: "io-open", "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw Diagnostic(SourceLocation(file: path), code: "io-stat", "cannot stat: \(String(cString: strerror(errno)))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw Diagnostic(SourceLocation(file: path), code: "io-directory", "is a directory, not a file")
        }
        let expected = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: max(expected, 0))
        var filled = 0
        // Regular files: read exactly st_size. Pipes and special files report 0: read until EOF.
        while true {
            if filled == bytes.count {
                if expected > 0 && filled == expected {
                    // Check for growth since stat without losing what we have.
                    var probe: UInt8 = 0
                    let n = systemRead(fd, &probe, 1)
                    if n <= 0 { break }
                    bytes.append(probe)
                    filled += 1
                }
                bytes.append(contentsOf: repeatElement(0, count: max(65536, bytes.count)))
            }
            let n = bytes.withUnsafeMutableBytes { buffer in
                systemRead(fd, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw Diagnostic(
                    SourceLocation(file: path, offset: filled), code: "io-read", "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            filled += n
        }
        if filled < bytes.count { bytes.removeSubrange(filled...) }
        return bytes
    }

    /// Reads a file, inflating it when it is gzip (by its magic bytes, not its name).
    public static func readInflating(_ path: String, limit: Int = defaultInflateLimit) throws(Diagnostic) -> [UInt8] {
        let raw = try read(path)
        guard Gzip.isGzip(raw) else { return raw }
        return try Gzip.inflate(raw, file: path, limit: limit)
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Regular files below a folder (recursively), sorted, hidden entries skipped.
    /// The name of a directory entry. Read through a pointer: glibc packs entries by their real length, so
    /// copying the whole `dirent` (256 bytes of name) can read past the end of its buffer.
    public static func entryName(_ entry: UnsafeMutablePointer<dirent>) -> String {
        let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        return String(cString: (UnsafeRawPointer(entry) + offset).assumingMemoryBound(to: CChar.self))
    }

    public static func files(under root: String) -> [String] {
        var result: [String] = []
        var pending = [root]
        while let dir = pending.popLast() {
            guard let handle = opendir(dir) else { continue }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                let name = FileBytes.entryName(entry)
                if name.hasPrefix(".") { continue }
                let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
                if isDirectory(path) { pending.append(path) } else { result.append(path) }
            }
        }
        return result.sorted()
    }
}

extension FileBytes {
    /// Creates the folder `path` and any missing parents (mode 0755); existing folders are fine.
    public static func makeDirectories(_ path: String) throws(Diagnostic) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw Diagnostic(SourceLocation(file: current), code: "io-write", "cannot create folder: \(WriteAll.message(errno))")
            }
        }
    }

    /// Writes `bytes` to a temporary file beside `path` (creating its folder), flushes it to disk and renames it
    /// into place, so a reader sees the old file or the whole new one, never half of it. A short write (a full
    /// disk) is an error and leaves `path` as it was.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(Diagnostic) {
        if let slash = path.lastIndex(of: "/"), slash > path.startIndex { try makeDirectories(String(path[..<slash])) }
        let temp = path + ".part-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Diagnostic(SourceLocation(file: temp), code: "io-write", "cannot create: \(WriteAll.message(errno))")
        }
        let failed = bytes.withUnsafeBytes { WriteAll.bytes($0, to: fd) } ?? (fsync(fd) == 0 ? nil : errno)
        close(fd)
        if let failed {
            unlink(temp)
            throw Diagnostic(SourceLocation(file: path), code: "io-write", "write failed: \(WriteAll.message(failed))")
        }
        guard rename(temp, path) == 0 else {
            let reason = WriteAll.message(errno)
            unlink(temp)
            throw Diagnostic(SourceLocation(file: path), code: "io-write", "cannot rename into place: \(reason)")
        }
    }
}
