import Factorization
import Foundation
import Sweeps

/// `rank_monotonicity`: per task and effective-rank measure, whether the measure rises
/// monotonically after its initial descent (`RankMonotonicity`), derived from the recorded
/// trajectory when the result is stored.
///
/// Additive to schema version 1 (like `cluster_live`): a store written before it gets the table
/// and its rows, computed from the stored trajectories with each task's `tolerance`, the first
/// time it is opened read-write — or, opened read-only, through a short read-write connection
/// when the file is writable (`Schema.prepare`).
enum RankMonotonicityTable {
    static let name = "rank_monotonicity"

    /// `WITHOUT ROWID` (one b-tree, like `intervals`) saves about a tenth of the write time; a
    /// PostgreSQL engine drops that clause, as for the other tables.
    static let creation = """
        CREATE TABLE IF NOT EXISTS rank_monotonicity (
            task_id       INTEGER NOT NULL REFERENCES tasks (id),
            measure       TEXT NOT NULL CHECK (measure IN ('entropy', 'ratio')),
            monotone_from INTEGER,            -- NULL: the recording ends in a fall
            rank_drops    INTEGER NOT NULL,   -- falls after the initial descent
            PRIMARY KEY (task_id, measure)
        ) WITHOUT ROWID
        """

    /// Both rows of one task in one statement (`values(…)`).
    static let upsert = """
        INSERT INTO rank_monotonicity (task_id, measure, monotone_from, rank_drops)
        VALUES (?, ?, ?, ?), (?, ?, ?, ?)
        ON CONFLICT (task_id, measure) DO UPDATE
        SET monotone_from = excluded.monotone_from, rank_drops = excluded.rank_drops
        """

    /// The bound values of `upsert` for one task: its entropy row, then its ratio row.
    static func values(
        taskID: Int, steps: [Int], entropy: [Double], ratio: [Double], tolerance: Double
    ) -> [DatabaseValue] {
        [(EffectiveRankMeasure.entropy, entropy), (.ratio, ratio)].flatMap { measure, values in
            let m = RankMonotonicity.measure(values: values, steps: steps, tolerance: tolerance)
            return [.integer(taskID), .text(measure.rawValue), DatabaseValue(m.monotoneFrom), .integer(m.rankDrops)]
        }
    }

    /// Computes the rows of every stored trajectory that has none (an upgrade); inside a transaction.
    static func backfill(_ db: any DatabaseDriver) throws(StoreError) {
        var pending: [[DatabaseValue]] = []
        try db.forEachRow(
            """
            SELECT j.task_id, t.p_tolerance, j.steps, j.erank, j.erank_ratio
            FROM trajectories j JOIN tasks t ON t.id = j.task_id
            WHERE NOT EXISTS (SELECT 1 FROM rank_monotonicity k WHERE k.task_id = j.task_id)
            """, []
        ) { (row: Row) throws(StoreError) in
            let id = row.int(at: 0) ?? 0
            let steps = PackedArray.ints(row.data(at: 2) ?? Data()) ?? []
            let entropy = PackedArray.doubles(row.data(at: 3) ?? Data()) ?? []
            let ratio = PackedArray.doubles(row.data(at: 4) ?? Data()) ?? []
            guard entropy.count == steps.count, ratio.count == steps.count else {
                throw StoreError.corruptValue(table: "trajectories", column: "steps", detail: "task id \(id)")
            }
            pending.append(
                values(taskID: id, steps: steps, entropy: entropy, ratio: ratio, tolerance: row.double(at: 1) ?? 0.1))
        }
        for row in pending { try db.run(upsert, row) }
    }
}

extension SummaryStore {
    /// A task's rank monotonicity under each measure (empty when it has no result, or the store
    /// could not be upgraded to hold them).
    /// - Throws: `StoreError` (`.sqlite`, `.postgres`).
    public func rankMonotonicity(for key: TaskKey) throws(StoreError) -> [EffectiveRankMeasure: RankMonotonicity] {
        guard try Schema.hasTable(RankMonotonicityTable.name, database) else { return [:] }
        var out: [EffectiveRankMeasure: RankMonotonicity] = [:]
        try database.forEachRow(
            """
            SELECT k.measure, k.monotone_from, k.rank_drops
            FROM tasks t JOIN rank_monotonicity k ON k.task_id = t.id WHERE t.key = ?
            """, [.text(key.hex)]
        ) { (row: Row) throws(StoreError) in
            guard let measure = EffectiveRankMeasure(rawValue: row.string(at: 0) ?? "") else { return }
            out[measure] = RankMonotonicity(monotoneFrom: row.int(at: 1), rankDrops: row.int(at: 2) ?? 0)
        }
        return out
    }

    /// Every task's rank monotonicity in a sweep, by task key (hex), in one query (empty when the
    /// store could not be upgraded to hold them).
    /// - Throws: `StoreError.unknownSweep`, `.sqlite`, `.postgres`.
    public func rankMonotonicity(sweep: String) throws(StoreError) -> [String: [EffectiveRankMeasure: RankMonotonicity]]
    {
        let sweepID = try self.sweepID(sweep)
        guard try Schema.hasTable(RankMonotonicityTable.name, database) else { return [:] }
        var out: [String: [EffectiveRankMeasure: RankMonotonicity]] = [:]
        try database.forEachRow(
            """
            SELECT t.key, k.measure, k.monotone_from, k.rank_drops
            FROM sweep_tasks m JOIN tasks t ON t.id = m.task_id JOIN rank_monotonicity k ON k.task_id = t.id
            WHERE m.sweep_id = ?
            """, [.integer(sweepID)]
        ) { (row: Row) throws(StoreError) in
            guard let key = row.string(at: 0), let measure = EffectiveRankMeasure(rawValue: row.string(at: 1) ?? "")
            else { return }
            out[key, default: [:]][measure] = RankMonotonicity(
                monotoneFrom: row.int(at: 2), rankDrops: row.int(at: 3) ?? 0)
        }
        return out
    }
}
