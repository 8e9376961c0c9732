// Aho–Corasick over bytes: finds every occurrence of many literal patterns in one pass over a value.
// Built once (compile time), then read-only and shared by all matching threads.

public struct MultiPattern: Sendable {
    /// Dense transition table over byte classes: `next[state * classCount + class]`.
    private let next: [Int32]
    private let classOf: [UInt8]
    private let classCount: Int
    /// Patterns ending at each state (including those inherited through failure links): `outputs[outStart[s]..<outStart[s+1]]`.
    private let outStart: [Int32]
    private let outputs: [Int32]
    public let patternLengths: [Int32]
    public var patternCount: Int { patternLengths.count }
    public var stateCount: Int { outStart.count - 1 }

    public init(_ patterns: [[UInt8]]) {
        // Byte classes: each byte used by a pattern gets its own class; all others share class 0.
        var classOf = [UInt8](repeating: 0, count: 256)
        var classes = 1
        for p in patterns {
            for b in p where classOf[Int(b)] == 0 && classes < 255 {
                classOf[Int(b)] = UInt8(classes)
                classes += 1
            }
        }
        // Trie with sparse children during construction.
        var children: [[(UInt8, Int32)]] = [[]]
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
        self.next = next
        self.classOf = classOf
        self.classCount = classes
        self.outStart = outStart
        self.outputs = outputs
        self.patternLengths = patterns.map { Int32($0.count) }
    }

    /// Calls `hit(pattern, end)` for every occurrence; `end` is one past the last matched byte.
    @inline(__always)
    public func scan(_ text: UnsafeRawBufferPointer, _ hit: (Int32, Int) -> Void) {
        next.withUnsafeBufferPointer { next in
            classOf.withUnsafeBufferPointer { classOf in
                outStart.withUnsafeBufferPointer { outStart in
                    var state = 0
                    let k = classCount
                    for i in 0..<text.count {
                        state = Int(next[state * k + Int(classOf[Int(text[i])])])
                        let a = Int(outStart[state])
                        let b = Int(outStart[state + 1])
                        if a != b {
                            for o in a..<b { hit(outputs[o], i + 1) }
                        }
                    }
                }
            }
        }
    }
}
