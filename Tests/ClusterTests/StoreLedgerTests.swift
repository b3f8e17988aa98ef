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
        let at = Date(timeIntervalSince1970: 1000)
        try ledger.commit(
            LedgerBatch(
                marks: [
                    .started(TaskStart(key: tasks[2].key, worker: "w3", host: "h3", started: at)),
                    .released(tasks[2].key),
                    .started(TaskStart(key: tasks[2].key, worker: "w3", host: "h3", started: at)),
                    .started(TaskStart(key: tasks[3].key, worker: "w4", host: "h4", started: at)),
                ],
                completed: [
                    CompletedTask(key: tasks[0].key, result: result, worker: "w1", host: "h1"),
                    CompletedTask(
                        key: tasks[1].key, result: result,
                        start: TaskStart(key: tasks[1].key, worker: "w2", host: "h2", started: at)),
                ],
                failed: [TaskFailure(key: tasks[2].key, error: "worker w3 died while running it")]))
        #expect(try ledger.doneCount() == 2)
        #expect(try store.result(for: tasks[0].key)?.trajectory == result.trajectory)
        let failed = try store.task(tasks[2].key)
        #expect(failed?.state == .failed && failed?.attempts == 2 && failed?.error == "worker w3 died while running it")
        let second = try #require(try store.task(tasks[1].key))
        #expect(second.worker == "w2" && second.host == "h2" && second.attempts == 1 && second.started == at)
        #expect(try store.task(tasks[0].key)?.attempts == 1)
        let running = try #require(try store.task(tasks[3].key))
        #expect(running.state == .running && running.worker == "w4" && running.host == "h4" && running.attempts == 1)
        // A restarted coordinator gets exactly the rest, the task left running by the dead one
        // pending again (attempts kept); failed tasks only with --retry-failed.
        #expect(try ledger.pendingTasks().map(\.key) == [3, 4, 5].map { tasks[$0].key })
        #expect(try store.task(tasks[3].key)?.state == .pending && store.task(tasks[3].key)?.attempts == 1)
        // Adopted by the next coordinator (its worker still runs it): running again, same attempt,
        // same start; its result does not count another attempt.
        let later = Date(timeIntervalSince1970: 2000)
        let adoption = TaskStart(key: tasks[3].key, worker: "w4", host: "h4", started: later, adopted: true)
        try ledger.commit(LedgerBatch(marks: [.started(adoption)]))
        let adopted = try #require(try store.task(tasks[3].key))
        #expect(adopted.state == .running && adopted.attempts == 1 && adopted.started == at)
        try ledger.commit(LedgerBatch(completed: [CompletedTask(key: tasks[3].key, result: result, start: adoption)]))
        #expect(try store.task(tasks[3].key)?.attempts == 1 && store.task(tasks[3].key)?.state == .done)
        let retry = try StoreLedger(store: store, sweep: "ledger", retryFailed: true)
        #expect(try retry.pendingTasks().map(\.key) == [2, 4, 5].map { tasks[$0].key })
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
            updatedAt: 100, startedAt: 50, endpoint: "tcp://127.0.0.1:1", pid: 7, host: "h", phase: .running,
            scheduler: snapshot, doneBefore: 0, rate: 12.5, eta: 8, badMessages: ["truncated": 3, "tag": 1])
        try ledger.publish(state)
        let back = try LiveStateTable.read(from: SummaryStore(path: dir.path("s.sqlite"), readOnly: true))
        #expect(back == ["ledger": state])
        #expect(back["ledger"]?.badMessageTotal == 4)
    }
}
