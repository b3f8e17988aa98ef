import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import Cluster

#if canImport(Glibc)
    import Glibc
#endif

/// `count` no-op tasks with distinct keys.
func noopTasks(_ count: Int, offset: Int = 0) -> [ScheduledTask] {
    (0..<count).map { ScheduledTask(key: key($0 + offset), kind: .noop, config: SimulationConfig()) }
}

/// Options for a fast test coordinator on a free loopback port.
func testOptions(heartbeat: Double = 0.2, liveness: Int = 5) -> CoordinatorOptions {
    var o = CoordinatorOptions(endpoint: "tcp://127.0.0.1:*")
    o.scheduler.heartbeatInterval = heartbeat
    o.scheduler.liveness = liveness
    o.grace = 5
    return o
}

/// Coordinators and workers as real processes and sockets on loopback (coordinator in-process).
@Suite(.serialized) struct ClusterProcessTests {
    @Test func noopSweepWithTwoWorkerProcessesCommitsEveryKeyOnce() throws {
        let ledger = InMemoryLedger(tasks: noopTasks(3000))
        let coordinator = try Coordinator(options: testOptions(), ledger: ledger)
        let endpoint = try coordinator.bind()
        let workers = try (0..<2).map { i in
            try ChildProcess([
                "worker", "--connect", endpoint, "--jobs", "2", "--name", "w\(i)", "--give-up-after", "20",
            ])
        }
        // Both workers must be up (signal handlers installed, HELLO on its way) before the sweep
        // starts: 3000 no-op tasks finish in milliseconds, and a worker that first connects after
        // the coordinator has said goodbye retries until --give-up-after (documented behaviour).
        for w in workers {
            try #require(w.waitForHandlers([SIGINT, SIGTERM], timeout: 30), "worker did not start: \(w.output)")
        }
        let transfer = CoordinatorBox(coordinator)
        let outcome = try onThread(timeout: 60) { try transfer.coordinator.run() }
        #expect(outcome.complete && !outcome.interrupted)
        #expect(ledger.completed.count == 3000)
        #expect(ledger.duplicateCommitCount == 0)
        #expect(Set(ledger.completed.values.compactMap(\.worker)).isSubset(of: ["w0", "w1"]))
        for w in workers {
            #expect(w.exitStatus(timeout: 10) == 0, "worker output: \(w.output)")
        }
    }
}

/// Moves a coordinator to the thread that runs it (it is used by that thread only afterwards).
final class CoordinatorBox: @unchecked Sendable {
    // Safe: the test thread hands the coordinator over and never touches it again.
    let coordinator: Coordinator
    init(_ c: Coordinator) { coordinator = c }
}
