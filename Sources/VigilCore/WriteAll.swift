// Writing every byte to a file descriptor: short writes are continued and interrupted ones retried, and a
// failure (a full disk, a closed pipe, an I/O error) is returned instead of being dropped.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public enum WriteAll {
    /// Writes all of `bytes` to `fd`. Returns nil when every byte was written, else the `errno` of the
    /// failing call (`ENOSPC` for a full disk, `EPIPE` for a closed pipe).
    public static func bytes(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Int32? {
        guard var next = bytes.baseAddress else { return nil }
        var left = bytes.count
        while left > 0 {
            let n = write(fd, next, left)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 { return EIO }
            next += n
            left -= n
        }
        return nil
    }

    /// Writes all of `text`'s UTF-8 to `fd`; see `bytes(_:to:)`.
    public static func text(_ text: String, to fd: Int32) -> Int32? {
        var text = text
        return text.withUTF8 { bytes(UnsafeRawBufferPointer($0), to: fd) }
    }

    /// The system's message for `errno` value `code`.
    public static func message(_ code: Int32) -> String { String(cString: strerror(code)) }
}
