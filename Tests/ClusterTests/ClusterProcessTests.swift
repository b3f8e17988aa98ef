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

/// A coordinator whose store is slower than its workers holds dispatch
/// (`CoordinatorOptions.maximumBacklog`): results waiting to be committed stay bounded.
@Suite(.serialized) struct BacklogProcessTests {
    /// An in-memory ledger that takes `delay` seconds per commit, like a store on a slow disk, and
    /// counts what it committed (read from the coordinator's thread).
    final class SlowLedger: TaskLedger, @unchecked Sendable {
        // `base` is used by the commit thread only (and read after the run); `count` is guarded by `lock`.
        let base: InMemoryLedger
        let delay: Double
        private let lock = NSLock()
        private var count = 0
        init(_ base: InMemoryLedger, delay: Double) {
            self.base = base
            self.delay = delay
        }
        var committed: Int { lock.withLock { count } }
        func pendingTasks() throws -> [ScheduledTask] { try base.pendingTasks() }
        func doneCount() throws -> Int { try base.doneCount() }
        func commit(_ batch: LedgerBatch) throws {
            usleep(UInt32(delay * 1e6))
            try base.commit(batch)
            lock.withLock { count += batch.completed.count }
        }
        func publish(_ state: LiveState) throws { try base.publish(state) }
    }

    /// The largest number of results the scheduler had accepted and the ledger not yet committed,
    /// seen every few milliseconds, and the outcome.
    func largestBacklog(maximumBacklog: Int) throws -> (backlog: Int, holds: Int, ledger: InMemoryLedger) {
        let base = InMemoryLedger(tasks: noopTasks(20_000))
        let ledger = SlowLedger(base, delay: 0.05)
        var options = testOptions()
        options.commitBatch = 500
        options.maximumBacklog = maximumBacklog
        options.progressInterval = 0.002
        let coordinator = try Coordinator(options: options, ledger: ledger)
        let largest = try Self.withOneWorker(coordinator, timeout: 60) { coordinator -> Int in
            var largest = 0
            let outcome = try coordinator.run { progress in
                largest = max(largest, progress.state.scheduler.done - ledger.committed)
            }
            #expect(outcome.complete)
            return largest
        }
        return (largest, coordinator.dispatchHolds, base)
    }

    /// Starts one worker process for `coordinator`, runs `run` with the coordinator on a thread of
    /// its own (at most `timeout` seconds) and expects the worker to exit 0 afterwards.
    static func withOneWorker<T: Sendable>(
        _ coordinator: Coordinator, timeout: Double, _ run: @escaping @Sendable (Coordinator) throws -> T
    ) throws -> T {
        let endpoint = try coordinator.bind()
        let worker = try ChildProcess(["worker", "--connect", endpoint, "--name", "w0", "--give-up-after", "30"])
        try #require(worker.waitForHandlers([SIGINT, SIGTERM], timeout: 30), "worker did not start: \(worker.output)")
        let transfer = CoordinatorBox(coordinator)
        let value = try onThread(timeout: timeout) { try run(transfer.coordinator) }
        #expect(worker.exitStatus(timeout: 10) == 0, "worker output: \(worker.output)")
        return value
    }

    @Test func aSlowStoreHoldsDispatchAndTheBacklogStaysBounded() throws {
        let held = try largestBacklog(maximumBacklog: 1000)
        #expect(held.ledger.completed.count == 20_000)
        #expect(held.ledger.duplicateCommitCount == 0)
        #expect(held.holds > 0, "largest backlog \(held.backlog)")
        // The limit, plus what was in flight when dispatch was held (a worker's credit for tiny
        // tasks is up to 4096 + jobs) and a batch of results.
        #expect(held.backlog <= 1000 + 4097 + 1000, "largest backlog \(held.backlog)")
        // The same run without the hold: the worker runs ahead of the store by most of the sweep
        // (what the test would see without `holdDispatch`).
        let free = try largestBacklog(maximumBacklog: 1_000_000)
        #expect(free.holds == 0)
        #expect(free.backlog > 10_000, "largest backlog without the hold \(free.backlog)")
    }
}

/// A store that stays behind for `stallMinimum` while dispatch is held is reported as stalled.
@Suite(.serialized) struct StoreStallProcessTests {
    @Test func aHoldThatOutlastsTheStallThresholdIsLogged() throws {
        let base = InMemoryLedger(tasks: noopTasks(600))
        let ledger = BacklogProcessTests.SlowLedger(base, delay: 1.2)
        var options = testOptions()
        options.commitBatch = 100
        options.maximumBacklog = 200
        options.stallMinimum = 0.5
        let log = LogCollector()
        let coordinator = try Coordinator(options: options, ledger: ledger, log: log.sink)
        let outcome = try BacklogProcessTests.withOneWorker(coordinator, timeout: 120) { try $0.run() }
        #expect(outcome.complete)
        #expect(base.completed.count == 600)
        let stalls = log.all.filter { $0.event == "store_stalled" }
        #expect(!stalls.isEmpty, "events: \(Set(log.all.map(\.event)))")
        #expect(stalls.allSatisfy { $0.level == .warning && $0.fields["backlog"] != nil })
    }
}

/// Moves a coordinator to the thread that runs it (it is used by that thread only afterwards).
final class CoordinatorBox: @unchecked Sendable {
    // Safe: the test thread hands the coordinator over and never touches it again.
    let coordinator: Coordinator
    init(_ c: Coordinator) { coordinator = c }
}
