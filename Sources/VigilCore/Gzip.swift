// gzip/zlib inflation over system zlib: whole buffers, and a streaming reader for large logs.

import CZlib

public enum Gzip {
    public static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b }

    /// Inflates every gzip member of `bytes`. A truncated or corrupt stream is an error at its offset.
    public static func inflate(_ bytes: [UInt8], file: String, limit: Int = FileBytes.defaultInflateLimit) throws(Diagnostic) -> [UInt8] {
        let stream = GzipStream(file: file)
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, bytes.count * 6))
        do {
            try bytes.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
                try stream.feed(input, final: true) { (chunk: UnsafeRawBufferPointer) in
                    if output.count + chunk.count > limit {
                        throw Diagnostic(SourceLocation(file: file), code: "gzip-too-large", "inflates to more than \(limit) bytes")
                    }
                    output.append(contentsOf: chunk)
                }
            }
        } catch let error as Diagnostic {
            throw error
        } catch {
            throw Diagnostic(SourceLocation(file: file), code: "gzip-corrupt", "\(error)")
        }
        return output
    }
}

/// Incremental gzip inflater: feed compressed bytes, receive inflated chunks. Handles concatenated members.
public final class GzipStream {
    private var z = z_stream()
    private var started = false
    private var consumedTotal = 0
    private var outBuffer: UnsafeMutablePointer<UInt8>
    private let outCapacity = 1 << 18
    public let file: String

    public init(file: String) {
        self.file = file
        outBuffer = .allocate(capacity: outCapacity)
    }

    deinit {
        if started { inflateEnd(&z) }
        outBuffer.deallocate()
    }

    private func begin() throws(Diagnostic) {
        z = z_stream()
        // 15 + 32: any window size, detect gzip or zlib headers automatically.
        let status = inflateInit2_(&z, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw Diagnostic(SourceLocation(file: file), code: "gzip-init", "zlib could not start (\(status))")
        }
        started = true
    }

    /// Feeds `input`; `final` says no more input follows, so an unfinished stream is reported as truncated.
    public func feed(
        _ input: UnsafeRawBufferPointer, final: Bool,
        _ sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var remaining = input
        var finishedMember = false
        while !remaining.isEmpty {
            if !started {
                // Trailing zero padding after the last member is common (tape/block devices): ignore it.
                if remaining.allSatisfy({ $0 == 0 }) { return }
                try begin()
                finishedMember = false
            }
            z.next_in = UnsafeMutablePointer(mutating: remaining.baseAddress!.assumingMemoryBound(to: UInt8.self))
            z.avail_in = UInt32(min(remaining.count, Int(UInt32.max)))
            let before = Int(z.avail_in)
            var status: Int32 = Z_OK
            repeat {
                z.next_out = outBuffer
                z.avail_out = UInt32(outCapacity)
                status = CZlib.inflate(&z, Z_NO_FLUSH)
                let produced = outCapacity - Int(z.avail_out)
                if produced > 0 { try sink(UnsafeRawBufferPointer(start: outBuffer, count: produced)) }
                if status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR {
                    let reason = z.msg.map { String(cString: $0) } ?? "status \(status)"
                    let offset = consumedTotal + (before - Int(z.avail_in))
                    inflateEnd(&z)
                    started = false
                    throw Diagnostic(SourceLocation(file: file, offset: offset), code: "gzip-corrupt", "corrupt compressed data: \(reason)")
                }
            } while status == Z_OK && (z.avail_out == 0 || z.avail_in > 0)
            let used = before - Int(z.avail_in)
            consumedTotal += used
            remaining = UnsafeRawBufferPointer(rebasing: remaining[used...])
            if status == Z_STREAM_END {
                inflateEnd(&z)
                started = false
                finishedMember = true
            } else if used == 0 {
                break
            }
        }
        if final && started && !finishedMember {
            inflateEnd(&z)
            started = false
            throw Diagnostic(
                SourceLocation(file: file, offset: consumedTotal), code: "gzip-truncated", "compressed data ends early (truncated file?)")
        }
    }
}

extension Gzip {
    /// Compresses with gzip framing (used to embed generated data compactly).
    public static func deflate(_ bytes: [UInt8], level: Int32 = 9) -> [UInt8] {
        var z = z_stream()
        // 15 + 16: gzip header and trailer.
        guard deflateInit2_(&z, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { return [] }
        defer { deflateEnd(&z) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&z, UInt(bytes.count))) + 64)
        var input = bytes
        let produced = input.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                z.next_in = inBuf.baseAddress
                z.avail_in = UInt32(inBuf.count)
                z.next_out = outBuf.baseAddress
                z.avail_out = UInt32(outBuf.count)
                _ = CZlib.deflate(&z, Z_FINISH)
                return outBuf.count - Int(z.avail_out)
            }
        }
        out.removeSubrange(produced...)
        return out
    }
}
