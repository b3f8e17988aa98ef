import Foundation
import Sweeps
import Synchronization
import TestSupport
import Testing

@testable import Cluster

/// A coordinator whose run throws still ends its commit thread, releases the ledger and closes
/// its socket (and context) before `run()` returns.
@Suite(.serialized) struct CoordinatorTeardownTests {
    /// A ledger whose commits always fail, as a full disk or a locked store would make them.
    final class FailingLedger: TaskLedger, Sendable {
        struct Failure: Error, CustomStringConvertible {
            var description: String { "disk full (injected)" }
        }

        private let tasks: [ScheduledTask]
        private let attempts = Mutex(0)

        init(tasks: [ScheduledTask]) { self.tasks = tasks }

        func pendingTasks() throws -> [ScheduledTask] { tasks }
        func doneCount() throws -> Int { 0 }
        func commit(_ batch: LedgerBatch) throws {
            attempts.withLock { $0 += 1 }
            throw Failure()
        }
        func publish(_ state: LiveState) throws {}

        var commitAttempts: Int { attempts.withLock { $0 } }
    }

    @Test func aFailedCommitEndsRunWithTheLedgerReleasedAndThePortFree() throws {
        weak var released: FailingLedger?
        do {
            let ledger = FailingLedger(tasks: noopTasks(200))
            released = ledger
            let running = try RunningCoordinator(Coordinator(options: testOptions(), ledger: ledger))
            let worker = try ChildProcess(["worker", "--connect", running.endpoint, "--give-up-after", "5"])
            defer { worker.send(signal: SIGKILL) }
            #expect(throws: FailingLedger.Failure.self) { _ = try running.wait(timeout: 30) }
            #expect(ledger.commitAttempts >= 1)
            // The failed coordinator still exists here: its port must already be free.
            let next = try Coordinator(
                options: CoordinatorOptions(endpoint: running.endpoint), ledger: InMemoryLedger(tasks: []))
            #expect(try next.bind() == running.endpoint)
        }
        // The commit thread has ended: nothing keeps the ledger alive once the coordinator is gone.
        #expect(eventually(timeout: 5) { released == nil })
    }
}
