import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started for a test; killed (SIGKILL) when released if still running, so a
/// failing test never leaves processes behind.
final class Child: @unchecked Sendable {
    // Safe: `process` is configured before `run()` and afterwards only queried (thread-safe);
    // `output` is appended by the pipe readers under `lock`.
    let process = Process()
    private let exited = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var output = Data()

    /// Starts `dmfsweep ARGS` with extra environment variables; stdout and stderr are collected.
    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = TestPaths.dmfsweep
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            if d.isEmpty {
                h.readabilityHandler = nil
                return
            }
            self?.lock.withLock { self?.output.append(d) }
        }
        let done = exited
        process.terminationHandler = { _ in done.signal() }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Everything it printed so far.
    var text: String { lock.withLock { String(decoding: output, as: UTF8.self) } }

    /// Waits up to `timeout` seconds; returns the exit status, or `nil` if still running.
    @discardableResult
    func wait(timeout: Double) -> Int32? {
        if exited.wait(timeout: .now() + timeout) == .timedOut { return nil }
        exited.signal()  // keep it signalled for later waits
        return process.terminationStatus
    }

    func signal(_ sig: Int32) { if process.isRunning { kill(pid, sig) } }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            _ = exited.wait(timeout: .now() + 5)
        }
    }
}

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
