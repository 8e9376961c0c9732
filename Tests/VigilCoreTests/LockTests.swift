// Lock: increments from many threads all land, and an error thrown inside withLock leaves the lock free.
import Dispatch
import Testing
import VigilCore

@Suite struct LockTests {
    final class Counter: @unchecked Sendable {
        let lock = Lock()
        var value = 0
    }

    struct Refused: Error {}

    @Test func serialisesConcurrentUpdates() {
        let counter = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10_000 { counter.lock.withLock { counter.value += 1 } }
        }
        #expect(counter.value == 80_000)
    }

    @Test func releasesWhenTheBodyThrows() {
        let lock = Lock()
        #expect(throws: Refused.self) { try lock.withLock { () throws(Refused) in throw Refused() } }
        #expect(lock.withLock { 42 } == 42)
    }
}
