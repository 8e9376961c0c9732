// Work spread over all cores with results kept in input order.

import Dispatch

public enum Parallel {
    /// `body` over every item on all cores, results in input order. Fewer than `serialBelow` items run in turn.
    public static func map<Item: Sendable, T: Sendable>(_ items: [Item], serialBelow: Int = 16, _ body: @Sendable (Item) -> T) -> [T] {
        if items.count < serialBelow { return items.map(body) }
        return [T](unsafeUninitializedCapacity: items.count) { buffer, initialized in
            let slots = Slots(base: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: items.count) { index in
                (slots.base + index).initialize(to: body(items[index]))
            }
            initialized = items.count
        }
    }

    private struct Slots<T>: @unchecked Sendable {
        // Each index is written by exactly one iteration, so the threads never share a slot.
        let base: UnsafeMutablePointer<T>
    }
}
