import Foundation

@testable import Cluster

/// A coordinator running on its own thread during a test.
final class RunningCoordinator: @unchecked Sendable {
    // Safe: the coordinator is used only by its thread after `init`; `stop` is Sendable; the
    // outcome is written once before `done.signal()` and read after waiting on it.
    private let coordinator: Coordinator
    let stop: StopRequest
    let endpoint: String
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var result: Result<CoordinatorOutcome, Error>?

    /// Binds `coordinator` and starts `run()` on a new thread.
    init(_ coordinator: Coordinator) throws {
        self.coordinator = coordinator
        stop = coordinator.stop
        endpoint = try coordinator.bind()
        let t = Thread { [self] in
            let r = Result { try self.coordinator.run() }
            lock.withLock { result = r }
            done.signal()
        }
        t.start()
    }

    /// Waits for the run to end (at most `timeout` seconds).
    func wait(timeout: Double) throws -> CoordinatorOutcome {
        guard done.wait(timeout: .now() + timeout) == .success else {
            stop.request()
            stop.request()
            _ = done.wait(timeout: .now() + 10)
            throw TestTimeout(seconds: timeout)
        }
        done.signal()
        return try lock.withLock { result! }.get()
    }
}

/// Polls `condition` every 10 ms for at most `timeout` seconds.
func eventually(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}
