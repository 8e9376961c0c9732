// Aho–Corasick over bytes: finds every occurrence of many literal patterns in one pass over a value.
// Built once (compile time), then read-only and shared by all matching threads.

public final class MultiPattern: Sendable {
    /// Dense transition table over byte classes: `next[state * classCount + class]`.
    private let next: [Int32]
    private let classOf: [UInt16]
    public let classCount: Int
    /// Patterns ending at each state (including those inherited through failure links): `outputs[outStart[s]..<outStart[s+1]]`.
    private let outStart: [Int32]
    private let outputs: [Int32]
    public let patternLengths: [Int32]
    public var patternCount: Int { patternLengths.count }
    public var stateCount: Int { outStart.count - 1 }
    /// The byte pairs patterns start with (every ASCII case when matching ignores it), as a 65,536-bit set indexed
    /// by the pair read little-endian; empty when a pattern is shorter than two bytes or the pairs are too many to
    /// skip on. Between matches the scan steps over positions whose pair starts no pattern: a test per byte that
    /// does not wait on the previous one, where a transition waits on the previous state.
    private let startPairs: [UInt64]
    public var skipsOnStartPairs: Bool { !startPairs.isEmpty }
    /// Above this many distinct start pairs the skip tests fail too often to pay.
    static let maxStartPairs = 64

    /// `asciiCaseInsensitive`: patterns are lower-case; text is matched ignoring ASCII case, so that
    /// callers can scan text without folding it first.
    public init(_ patterns: [[UInt8]], asciiCaseInsensitive: Bool = false) {
        // Byte classes: each byte used by a pattern gets its own class; all others share class 0.
        var classOf = [UInt16](repeating: 0, count: 256)
        var classes = 1
        for p in patterns {
            for b in p where classOf[Int(b)] == 0 {
                classOf[Int(b)] = UInt16(classes)
                classes += 1
            }
        }
        if asciiCaseInsensitive {
            for upper in UInt8(ascii: "A")...UInt8(ascii: "Z") { classOf[Int(upper)] = classOf[Int(upper | 0x20)] }
        }
        // Trie with sparse children during construction.
        var children: [[(UInt16, Int32)]] = [[]]
        var terminal: [[Int32]] = [[]]
        for (index, p) in patterns.enumerated() {
            var state = 0
            for b in p {
                let c = classOf[Int(b)]
                if let found = children[state].first(where: { $0.0 == c }) {
                    state = Int(found.1)
                } else {
                    children.append([])
                    terminal.append([])
                    let new = Int32(children.count - 1)
                    children[state].append((c, new))
                    state = Int(new)
                }
            }
            terminal[state].append(Int32(index))
        }
        let n = children.count
        var next = [Int32](repeating: 0, count: n * classes)
        var fail = [Int32](repeating: 0, count: n)
        var order: [Int] = []
        order.reserveCapacity(n)
        for (c, child) in children[0] {
            next[Int(c)] = child
            order.append(Int(child))
        }
        var head = 0
        while head < order.count {
            let s = order[head]
            head += 1
            let f = Int(fail[s])
            for c in 0..<classes where next[s * classes + c] == 0 {
                next[s * classes + c] = next[f * classes + c]
            }
            for (c, child) in children[s] {
                fail[Int(child)] = next[f * classes + Int(c)]
                next[s * classes + Int(c)] = child
                order.append(Int(child))
            }
        }
        // Outputs: own patterns plus those of the failure state (already complete, BFS order).
        var lists = terminal
        for s in order { lists[s] += lists[Int(fail[s])] }
        var outStart: [Int32] = [0]
        var outputs: [Int32] = []
        for list in lists {
            outputs += list
            outStart.append(Int32(outputs.count))
        }
        // Transitions hold the target's row offset (state × classes), with the sign bit set when the
        // target has outputs: the scan then needs no multiply and no output lookup per byte.
        var hasOutput = [Bool](repeating: false, count: n)
        for s in 0..<n { hasOutput[s] = !lists[s].isEmpty }
        self.next = next.map { target in
            let offset = Int32(Int(target) * classes)
            return hasOutput[Int(target)] ? offset | Int32.min : offset
        }
        self.classOf = classOf
        self.classCount = classes
        self.outStart = outStart
        self.outputs = outputs
        self.patternLengths = patterns.map { Int32($0.count) }
        self.startPairs = Self.startPairs(patterns, asciiCaseInsensitive: asciiCaseInsensitive)
    }

    static func startPairs(_ patterns: [[UInt8]], asciiCaseInsensitive: Bool) -> [UInt64] {
        if patterns.isEmpty || patterns.contains(where: { $0.count < 2 }) { return [] }
        func cases(_ b: UInt8) -> [UInt8] {
            guard asciiCaseInsensitive, b | 0x20 >= UInt8(ascii: "a"), b | 0x20 <= UInt8(ascii: "z") else { return [b] }
            return [b | 0x20, b & ~0x20]
        }
        var pairs: Set<Int> = []
        for p in patterns {
            for first in cases(p[0]) {
                for second in cases(p[1]) { pairs.insert(Int(first) | Int(second) << 8) }
            }
        }
        let distinct = Set(patterns.map { asciiCaseInsensitive ? [$0[0] | 0x20, $0[1] | 0x20] : [$0[0], $0[1]] }).count
        if distinct > maxStartPairs { return [] }
        var bits = [UInt64](repeating: 0, count: 1024)
        for pair in pairs { bits[pair >> 6] |= 1 << UInt64(pair & 63) }
        return bits
    }

    /// Calls `hit(pattern, end)` for every occurrence; `end` is one past the last matched byte.
    @inline(__always)
    public func scan(_ text: UnsafeRawBufferPointer, _ hit: (Int32, Int) -> Void) {
        next.withUnsafeBufferPointer { next in
            classOf.withUnsafeBufferPointer { classOf in
                outStart.withUnsafeBufferPointer { outStart in
                    outputs.withUnsafeBufferPointer { outputs in
                        var row = 0
                        let k = classCount
                        var i = 0
                        let n = text.count
                        let skips = !startPairs.isEmpty
                        while i < n {
                            if row == 0 && skips {
                                // No match under way: no occurrence starts before the next start pair.
                                let found = startPairs.withUnsafeBufferPointer { pairs in
                                    while i + 1 < n {
                                        let pair = Int(text.loadUnaligned(fromByteOffset: i, as: UInt16.self).littleEndian)
                                        if pairs[pair &>> 6] & (1 &<< UInt64(pair & 63)) != 0 { return true }
                                        i &+= 1
                                    }
                                    return false
                                }
                                if !found { return }
                            }
                            let entry = next[row &+ Int(classOf[Int(text[i])])]
                            i &+= 1
                            row = Int(entry & Int32.max)
                            if entry < 0 {
                                let state = row / k
                                for o in Int(outStart[state])..<Int(outStart[state &+ 1]) { hit(outputs[o], i) }
                            }
                        }
                    }
                }
            }
        }
    }
}
