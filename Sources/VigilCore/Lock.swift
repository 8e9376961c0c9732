// The package's one mutual-exclusion lock. Swift's `Synchronization.Mutex` needs macOS 15 and the package
// supports macOS 14, so this wraps a pthread mutex, which both Glibc and Darwin provide.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A non-recursive lock: `withLock` runs its body with no other thread inside any `withLock` of the same lock.
public final class Lock: @unchecked Sendable {
    // Allocated, not a stored `pthread_mutex_t`: a mutex must not move, and `&property` on a class gives
    // no guarantee of a stable address.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` holding the lock; the lock is released however `body` ends.
    @inlinable
    public func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        lock()
        defer { unlock() }
        return try body()
    }

    @usableFromInline func lock() { pthread_mutex_lock(mutex) }
    @usableFromInline func unlock() { pthread_mutex_unlock(mutex) }
}
