import Factorization
import Foundation
import SummaryStore
import Sweeps
import TestSupport
import Testing

@testable import Cluster

/// The store adapter: pending tasks, batched commits, failures with attempts, live state.
@Suite struct StoreLedgerTests {
    static func registered(_ dir: TemporaryDirectory, count: Int) throws -> (SummaryStore, [SweepTask]) {
        let seeds = (0..<count).map(String.init).joined(separator: ",")
        let spec = try SweepFile.parse(
            text: "name: ledger\nmethod: grid\nparameters:\n  seed: {values: [\(seeds)]}\n", fileName: "ledger.yaml")
        let tasks = try spec.expand()
        let store = try SummaryStore(path: dir.path("s.sqlite"), create: true)
        _ = try store.registerSweep(name: "ledger", spec: spec.sourceText, tasks: tasks)
        return (store, tasks)
    }

    @Test func commitsResultsAndFailuresAndResumesFromWhatIsLeft() throws {
        let dir = try TemporaryDirectory()
        let (store, tasks) = try Self.registered(dir, count: 6)
        let ledger = try StoreLedger(store: store, sweep: "ledger")
        #expect(try ledger.pendingTasks().map(\.key) == tasks.map(\.key))
        #expect(try ledger.pendingTasks().allSatisfy { $0.kind == .simulate })
        let result = sampleResult()
        try ledger.commit(
            [
                FinishedTask(key: tasks[0].key, result: result, seconds: 1, workerID: "w1"),
                FinishedTask(key: tasks[1].key, result: result, seconds: 1, workerID: "w2"),
            ],
            failed: [FailedTask(key: tasks[2].key, error: "worker w3 died while running it", attempts: 3)])
        #expect(try ledger.doneCount() == 2)
        #expect(try store.result(for: tasks[0].key)?.trajectory == result.trajectory)
        let failed = try store.task(tasks[2].key)
        #expect(failed?.state == .failed && failed?.attempts == 3 && failed?.error == "worker w3 died while running it")
        #expect(try store.task(tasks[1].key)?.worker == "w2")
        // A restarted coordinator gets exactly the rest; failed tasks only with --retry-failed.
        #expect(try ledger.pendingTasks().map(\.key) == [3, 4, 5].map { tasks[$0].key })
        let retry = try StoreLedger(store: store, sweep: "ledger", retryFailed: true)
        #expect(try retry.pendingTasks().map(\.key) == [2, 3, 4, 5].map { tasks[$0].key })
    }

    @Test func liveStateRoundTripsThroughItsTable() throws {
        let dir = try TemporaryDirectory()
        let (store, _) = try Self.registered(dir, count: 1)
        #expect(try LiveStateTable.read(from: store).isEmpty)
        let ledger = try StoreLedger(store: store, sweep: "ledger")
        var snapshot = SchedulerSnapshot()
        snapshot.total = 1
        snapshot.workers = [WorkerSummary(workerID: "w", host: "h", jobs: 2, leased: 1, completed: 5, silentFor: 0.5)]
        let state = LiveState(
            updatedAt: 100, startedAt: 50, endpoint: "tcp://127.0.0.1:1", pid: 7, host: "h", phase: "running",
            scheduler: snapshot, doneBefore: 0, rate: 12.5, eta: 8, badMessages: ["truncated": 3, "tag": 1])
        try ledger.publish(state)
        let back = try LiveStateTable.read(from: SummaryStore(path: dir.path("s.sqlite"), readOnly: true))
        #expect(back == ["ledger": state])
        #expect(back["ledger"]?.badMessageTotal == 4)
    }
}
