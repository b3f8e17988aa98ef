import Factorization
import Foundation
import Sweeps
import Testing

@testable import SummaryStore

/// SQLite's `recordResults` takes the ids of tasks the connection has read before from
/// `SummaryStore.knownTasks` instead of looking their keys up: it must still replace the rows of a
/// task another connection recorded meanwhile, report unknown keys, and refuse an id that no
/// longer names its key.
@Suite struct KnownTasksTests {
    @Test func aTaskRecordedByAnotherConnectionIsReplacedNotDuplicated() throws {
        let (storeDirectory, store) = try Fixtures.store()
        defer { withExtendedLifetime(storeDirectory) {} }
        let tasks = (0..<70).map { Fixtures.task($0, seed: UInt64($0)) }
        try store.registerSweep(name: "s", spec: "", tasks: tasks)
        #expect(try store.unfinishedTasks(sweep: "s").count == 70)
        #expect(store.knownTasks.count == 70)
        // Another writer records every task (three ranks) after this connection read them pending.
        let other = try SummaryStore(path: store.path)
        try other.recordResults(
            tasks.indices.map { CompletedTask(key: tasks[$0].key, result: Fixtures.result(seed: $0), worker: "a") })
        // This connection records them again with two ranks, without reading their states.
        let again = tasks.indices.map {
            CompletedTask(key: tasks[$0].key, result: Fixtures.result(seed: 500 + $0, ranks: 2), worker: "b")
        }
        let summary = try store.recordResults(again)
        #expect(summary.recorded == 70 && summary.unknown.isEmpty)
        #expect(store.knownTasks.isEmpty)  // recorded tasks leave the cache
        for (i, task) in tasks.enumerated() { #expect(try other.result(for: task.key) == again[i].result) }
        // Two measures × two ranks per task: the three-rank rows of the other writer are gone.
        #expect(try store.connection.scalarInt("SELECT count(*) FROM intervals") == 4 * 70)
        #expect(try store.connection.scalarInt("SELECT count(*) FROM results") == 70)
    }

    @Test func unknownKeysAreReportedNextToKnownOnes() throws {
        let (storeDirectory, store, tasks) = try Fixtures.storeWithPendingTasks(3)
        defer { withExtendedLifetime(storeDirectory) {} }
        let stranger = Fixtures.task(99, seed: 99)
        let summary = try store.recordResults(
            (tasks + [stranger]).map { CompletedTask(key: $0.key, result: Fixtures.result(seed: 1), worker: "w") })
        #expect(summary.recorded == 3 && summary.unknown == [stranger.key])
        #expect(try store.statusCounts(sweep: "s") == StatusCounts(done: 3))
    }

    @Test func anIdThatNoLongerNamesItsKeyRefusesTheBatch() throws {
        let (storeDirectory, store, tasks) = try Fixtures.storeWithPendingTasks(2)
        defer { withExtendedLifetime(storeDirectory) {} }
        // Task 0's entry pointing at task 1's row (what a rolled-back insert could leave behind).
        let wrong = try #require(store.knownTasks[tasks[1].key])
        store.knownTasks[tasks[0].key] = wrong
        let batch = [CompletedTask(key: tasks[0].key, result: Fixtures.result(seed: 1), worker: "w")]
        #expect(throws: StoreError.self) { try store.recordResults(batch) }
        #expect(try store.statusCounts(sweep: "s") == StatusCounts(pending: 2))
        #expect(try store.result(for: tasks[1].key) == nil)
        // The cache is forgotten: the retry looks the key up and records task 0 only.
        #expect(store.knownTasks.isEmpty)
        #expect(try store.recordResults(batch).recorded == 1)
        #expect(try store.result(for: tasks[0].key) == batch[0].result && store.result(for: tasks[1].key) == nil)
    }
}
