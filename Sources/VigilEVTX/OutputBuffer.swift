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

    func copyBytes() -> [UInt8] { Array(bytes) }
}
