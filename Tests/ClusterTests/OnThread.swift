import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `body` on a dedicated thread (socket loops must not occupy the test's cooperative thread
/// for long without a way out) and waits for it, at most `timeout` seconds.
func onThread<T: Sendable>(timeout: Double, _ body: @escaping @Sendable () throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    let t = Thread {
        box.set(Result { try body() })
        done.signal()
    }
    t.stackSize = 8 << 20
    t.start()
    guard done.wait(timeout: .now() + timeout) == .success else { throw TestTimeout(seconds: timeout) }
    return try box.get()
}

struct TestTimeout: Error, CustomStringConvertible {
    let seconds: Double
    var description: String { "timed out after \(seconds) s" }
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
    // Safe: written once by the worker thread before `done.signal()`, read after the wait.
    private let lock = NSLock()
    private var result: Result<T, Error>?
    func set(_ r: Result<T, Error>) { lock.withLock { result = r } }
    func get() throws -> T { try lock.withLock { result! }.get() }
}
