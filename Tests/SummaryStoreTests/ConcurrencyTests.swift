import Foundation
import Synchronization
import TestSupport
import Testing

@testable import SummaryStore

/// Readers on other connections while a writer commits batches.
@Suite struct ConcurrencyTests {
    /// What the reader saw; written by the reader thread, read after it finished.
    final class Observations: Sendable {
        let values = Mutex<[String]>([])
        let snapshots = Mutex<Int>(0)
    }

    @Test func readerNeverSeesHalfABatch() throws {
        let dir = try TemporaryDirectory(prefix: "store-concurrent")
        let path = dir.path("s.sqlite")
        let tasks = Fixtures.grid(depths: [2, 3, 4, 5], alphas: [0.1, 0.2, 0.3, 0.4, 0.5], seeds: 20)  // 400
        let writer = try SummaryStore(path: path, create: true)
        try writer.registerSweep(name: "s", spec: "", tasks: tasks)
        let batchSize = 25
        let finished = Atomic<Bool>(false)
        let readerStopped = Atomic<Bool>(false)
        let seen = Observations()
        let reader = Thread {
            do {
                let store = try SummaryStore(path: path, readOnly: true)
                let length = try AggregateQuery(groupBy: ["r"], metric: Metric(parsing: "interval.length"))
                while !finished.load(ordering: .acquiring) {
                    // One read transaction, so the three counts come from one snapshot.
                    let (done, results, intervals, measured) = try store.connection.transaction(.deferred) {
                        () throws(StoreError) in
                        (
                            try store.statusCounts(sweep: "s").done,
                            try store.connection.scalarInt("SELECT count(*) FROM results") ?? -1,
                            try store.connection.scalarInt("SELECT count(*) FROM intervals") ?? -1,
                            try store.aggregate(length).rows.map(\.count).reduce(0, +)
                        )
                    }
                    if done % batchSize != 0 || results != done || intervals != 2 * 3 * done || measured > intervals {
                        seen.values.withLock { $0.append("done \(done) results \(results) intervals \(intervals)") }
                    }
                    seen.snapshots.withLock { $0 += 1 }
                }
            } catch {
                seen.values.withLock { $0.append("reader error: \(error)") }
            }
            readerStopped.store(true, ordering: .releasing)
        }
        reader.start()
        defer { finished.store(true, ordering: .releasing) }  // stop the reader even when a write throws
        for start in stride(from: 0, to: tasks.count, by: batchSize) {
            let batch = tasks[start..<(start + batchSize)].enumerated().map {
                CompletedTask(key: $1.key, result: Fixtures.result(seed: start + $0))
            }
            try writer.recordResults(batch)
        }
        finished.store(true, ordering: .releasing)
        while !readerStopped.load(ordering: .acquiring) { usleep(1000) }
        #expect(seen.values.withLock { $0 } == [])
        #expect(seen.snapshots.withLock { $0 } > 0)
        #expect(try writer.statusCounts(sweep: "s").done == tasks.count)
    }
}
