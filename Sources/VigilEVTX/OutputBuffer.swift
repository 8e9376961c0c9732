// The growable byte buffer records are rendered into. Writes are plain stores through a pointer
// (an Array would check uniqueness on every appended byte); owned by one decoder, never copied.

struct OutputBuffer: ~Copyable {
    private(set) var base: UnsafeMutablePointer<UInt8>
    /// Bytes written.
    var count = 0
    private(set) var capacity: Int

    init(capacity: Int = 1 << 17) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    @inline(never) mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        p.update(from: base, count: count)
        base.deallocate()
        base = p
        capacity = newCapacity
    }

    /// Room for `n` more bytes; write them at the returned pointer, then add to `count`.
    @inline(__always) mutating func reserve(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        if count + n > capacity { grow(count + n) }
        return base + count
    }

    @inline(__always) mutating func append(_ byte: UInt8) {
        if count == capacity { grow(count + 1) }
        base[count] = byte
        count += 1
    }

    @inline(__always) mutating func append(_ a: UInt8, _ b: UInt8) {
        let p = reserve(2)
        p[0] = a
        p[1] = b
        count += 2
    }

    @inline(__always) mutating func append(raw bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        let p = reserve(bytes.count)
        UnsafeMutableRawPointer(p).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    @inline(__always) mutating func append(_ text: StaticString) {
        append(raw: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func append<S: Sequence<UInt8>>(contentsOf bytes: S) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { append(raw: UnsafeRawBufferPointer($0)) }
        if done == nil {
            for b in bytes { append(b) }
        }
    }

    mutating func removeAll() { count = 0 }

    mutating func truncate(to length: Int) { count = min(count, length) }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// The written bytes, handed over without a copy; writing goes on in `spare`'s storage (emptied), or in a new
    /// buffer. A chunk's rendering is a few hundred kilobytes: copying it out cost a tenth of the decoding, and fresh
    /// buffers page faults that serialise the decoding threads in the kernel.
    mutating func handOver(reusing spare: RenderedBytes?) -> RenderedBytes {
        let done = RenderedBytes(base: base, count: count, capacity: capacity)
        if let spare, let storage = spare.base {
            base = storage
            capacity = spare.capacity
            spare.base = nil
        } else {
            capacity = 1 << 17
            base = .allocate(capacity: capacity)
        }
        count = 0
        return done
    }
}

/// A chunk's rendered records, owned; its storage can go back to a decoder (`OutputBuffer.handOver`).
final class RenderedBytes: @unchecked Sendable, Equatable {
    fileprivate var base: UnsafeMutablePointer<UInt8>?
    let count: Int
    fileprivate let capacity: Int

    fileprivate init(base: UnsafeMutablePointer<UInt8>, count: Int, capacity: Int) {
        self.base = base
        self.count = count
        self.capacity = capacity
    }

    deinit { base?.deallocate() }

    /// Equal renderings: the same bytes.
    static func == (a: RenderedBytes, b: RenderedBytes) -> Bool {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.elementsEqual(y) } }
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: base == nil ? 0 : count))
    }
}
