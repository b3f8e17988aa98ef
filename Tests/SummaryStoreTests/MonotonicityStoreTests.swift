import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import SummaryStore

/// `rank_monotonicity`: written with each result under both measures, queryable by `--measure`,
/// and computed from the stored trajectories for a store written before the table existed.
@Suite struct MonotonicityStoreTests {
    /// Trajectory shapes: a staircase (monotone after its initial drop), one with a dip (one fall
    /// after the minimum), one that ends in a fall.
    static let shapes: [[Double]] = [
        [5, 1, 1, 2, 2, 3], [5, 1, 2, 1.5, 2.5, 3], [4, 1, 2, 3, 3.5, 2],
    ]

    /// Task i: depth 2 + i % 2; erank follows shape i % 3, erank_ratio shape (i + 1) % 3.
    private func populated() throws -> (TemporaryDirectory, SummaryStore, [SweepTask]) {
        let (dir, store) = try Fixtures.store()
        let tasks = (0..<12).map { Fixtures.task($0, depth: 2 + $0 % 2, seed: UInt64($0)) }
        try store.registerSweep(name: "main", spec: "", tasks: tasks)
        var batch: [CompletedTask] = []
        for (i, task) in tasks.enumerated() where i != 11 {  // task 11 never runs
            var result = Fixtures.result(seed: i)
            let entropy = Self.shapes[i % 3]
            let ratio = Self.shapes[(i + 1) % 3]
            result.trajectory = entropy.indices.map {
                TrajectoryPoint(step: 10 * $0, loss: 1, erank: entropy[$0], erankRatio: ratio[$0])
            }
            batch.append(CompletedTask(key: task.key, result: result))
        }
        try store.recordResults(batch)
        return (dir, store, tasks)
    }

    /// Expected rows, from the definition applied by hand to the three shapes (tolerance 0.1):
    /// shape 0: no fall after the minimum, monotone from step 10; shape 1: one fall (2 → 1.5) at
    /// step 30; shape 2: the last step falls, so monotone_from is NULL, one drop.
    static let expected: [(from: Int?, drops: Int)] = [(10, 0), (30, 1), (nil, 1)]

    private func rows(_ store: SummaryStore) throws -> [[DatabaseValue]] {
        let stmt = try store.connection.prepare(
            "SELECT task_id, measure, monotone_from, rank_drops FROM rank_monotonicity ORDER BY task_id, measure")
        var out: [[DatabaseValue]] = []
        while try stmt.step() { out.append((0..<4).map { stmt.value(at: $0) }) }
        return out
    }

    @Test func everyResultGetsBothMeasures() throws {
        let (_, store, _) = try populated()
        let rows = try rows(store)
        #expect(rows.count == 11 * 2)
        for row in rows {
            let i = row[0].intValue! - 1  // task ids start at 1, in registration order
            let shape = row[1] == .text("entropy") ? i % 3 : (i + 1) % 3
            #expect(row[2] == DatabaseValue(Self.expected[shape].from), "\(row)")
            #expect(row[3] == .integer(Self.expected[shape].drops), "\(row)")
        }
    }

    @Test(arguments: EffectiveRankMeasure.allCases)
    func fractionMonotoneByDepthUnderEachMeasure(measure: EffectiveRankMeasure) throws {
        let (_, store, _) = try populated()
        let query = try AggregateQuery(
            groupBy: ["depth"], metrics: [Metric(parsing: "monotone"), Metric(parsing: "rank_drops")],
            statistics: [.count, .mean], measure: measure)
        let cells = try store.aggregate(query).cells
        for row in cells {
            let depth = row[0].intValue!
            let tasks = (0..<11).filter { 2 + $0 % 2 == depth }
            let shapes = tasks.map { measure == .entropy ? $0 % 3 : ($0 + 1) % 3 }
            let monotone = Double(shapes.filter { Self.expected[$0].drops == 0 }.count) / Double(shapes.count)
            let drops = Double(shapes.map { Self.expected[$0].drops }.reduce(0, +)) / Double(shapes.count)
            #expect(row[1] == .integer(tasks.count) && row[3] == .integer(tasks.count))
            #expect(abs(row[2].doubleValue! - monotone) < 1e-12 && abs(row[4].doubleValue! - drops) < 1e-12)
        }
        #expect(cells.count == 2)
    }

    /// A version-1 store written before `rank_monotonicity` existed: opening it (read-write, or
    /// read-only on a writable file) creates the table and computes the rows from the stored
    /// trajectories, the same rows a new store writes.
    @Test(arguments: [false, true])
    func oldStoreIsUpgradedFromItsTrajectories(readOnly: Bool) throws {
        let (dir, store, _) = try populated()
        let fresh = try rows(store)
        let path = store.path
        _ = dir
        // Another connection, as an older build's file would be (the writer's cached statements stay open).
        try Connection(path: path, mode: .readWrite).execute("DROP TABLE rank_monotonicity")
        let reopened = try SummaryStore(path: path, readOnly: readOnly)
        #expect(try rows(reopened) == fresh)
        let query = try AggregateQuery(metrics: [Metric(parsing: "monotone")], statistics: [.count])
        #expect(try reopened.aggregate(query).rows[0].count == 11)
    }

    /// `--measure` applies to interval metrics too (they were refused before the store kept both).
    @Test func ratioIntervalsAreAQueryOfTheirOwn() throws {
        let query = try AggregateQuery(metrics: [Metric(parsing: "interval.length")], rank: 1, measure: .ratio)
        #expect(query.rowsSQL(sweepID: nil).text.contains("i.measure = ?"))
        #expect(query.rowsSQL(sweepID: nil).values.contains(.text("ratio")))
    }
}
