import Factorization
import Foundation
import Sweeps
import Testing

@testable import SummaryStore

/// SQLite writes a batch as statements of 64, 8 and 1 rows (`SummaryStore.sqliteStatementRows`):
/// batches whose sizes cross those steps must store every task exactly as recorded.
@Suite struct MultiRowWriteTests {
    @Test(arguments: [1, 9, 64, 73, 137])
    func everyTaskOfABatchIsStoredAsRecorded(count: Int) throws {
        let (storeDirectory, store) = try Fixtures.store()
        defer { withExtendedLifetime(storeDirectory) {} }
        let tasks = (0..<count).map { Fixtures.task($0, seed: UInt64($0)) }
        try store.registerSweep(name: "s", spec: "", tasks: tasks)
        let started = Date(timeIntervalSince1970: 1_700_000_000)
        func start(_ i: Int) -> TaskStart {
            TaskStart(
                key: tasks[i].key, worker: "w\(i % 3)", host: "h\(i % 2)",
                started: started.addingTimeInterval(Double(i)))
        }
        let first = tasks.indices.map {
            CompletedTask(
                key: tasks[$0].key, result: Fixtures.result(seed: $0), worker: "w\($0 % 3)", host: "h\($0 % 2)",
                start: start($0))
        }
        let summary = try store.recordResults(first)
        #expect(summary.recorded == count && summary.unknown.isEmpty)
        for (i, task) in tasks.enumerated() {
            #expect(try store.result(for: task.key) == first[i].result)
            let stored = try #require(try store.task(task.key))
            #expect(stored.state == .done && stored.attempts == 1 && stored.error == nil)
            #expect(stored.worker == "w\(i % 3)" && stored.host == "h\(i % 2)")
            #expect(stored.started == started.addingTimeInterval(Double(i)))
        }
        // Recorded again with fewer ranks (no start: the attempt count stays): the old rank-3
        // interval rows of every task must go, in the same multi-row statements.
        let again = tasks.indices.map {
            CompletedTask(key: tasks[$0].key, result: Fixtures.result(seed: 1000 + $0, ranks: 2), worker: "x")
        }
        try store.recordResults(again)
        for (i, task) in tasks.enumerated() {
            #expect(try store.result(for: task.key) == again[i].result)
            let stored = try #require(try store.task(task.key))
            #expect(stored.attempts == 1 && stored.worker == "x" && stored.host == "h\(i % 2)")
        }
        let rows = { (table: String) in try store.connection.scalarInt("SELECT count(*) FROM \(table)") }
        // Two measures × two ranks per task; one row per task in the one-row tables, two monotonicity rows.
        #expect(try rows("intervals") == 4 * count)
        #expect(try rows("results") == count && rows("trajectories") == count && rows("recovery") == count)
        #expect(try rows("rank_monotonicity") == 2 * count)
        #expect(try store.statusCounts(sweep: "s") == StatusCounts(done: count))
    }
}
