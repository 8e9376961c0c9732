// Growable arrays of plain values for the decoder's trees and stacks: appends and reads are plain
// pointer operations (an Array checks uniqueness on every append). Indices are the decoder's own,
// never taken from the input, and are still checked against `count`.

struct Pool<Element: BitwiseCopyable>: ~Copyable {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    var isEmpty: Bool { count == 0 }

    @inline(__always) subscript(i: Int) -> Element {
        get {
            precondition(UInt(bitPattern: i) < UInt(bitPattern: count), "pool index out of range")
            return base[i]
        }
        set {
            precondition(UInt(bitPattern: i) < UInt(bitPattern: count), "pool index out of range")
            base[i] = newValue
        }
    }

    @inline(never) mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let p = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        p.update(from: base, count: count)
        base.deallocate()
        base = p
        capacity = newCapacity
    }

    @inline(__always) mutating func append(_ element: Element) {
        if count == capacity { grow(count + 1) }
        base[count] = element
        count += 1
    }

    /// Appends `n` elements read from `source` (which must not point into this pool).
    @inline(__always) mutating func append(_ source: UnsafePointer<Element>, count n: Int) {
        guard n > 0 else { return }
        if count + n > capacity { grow(count + n) }
        (base + count).update(from: source, count: n)
        count += n
    }

    @inline(__always) mutating func removeLast() -> Element {
        precondition(count > 0, "pool is empty")
        count -= 1
        return base[count]
    }

    @inline(__always) mutating func shrink(to length: Int) {
        precondition(length >= 0 && length <= count, "pool length out of range")
        count = length
    }

    mutating func removeAll() { count = 0 }
}

/// How often an element name has been seen among its siblings (for `name_1`, `name_2`…).
struct SuffixCount {
    var name: Int32
    var count: UInt16
}
