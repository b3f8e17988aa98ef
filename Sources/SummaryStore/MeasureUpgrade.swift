import Factorization
import Foundation

/// The schema 3 → 4 upgrade's computed part: the ratio measure's targets and intervals of every
/// stored result, from what a version-3 store holds (README, "Definitions" and "Upgrading").
///
/// For each result, the ratio targets `t_r = Σ_{i≤r} |λ_(i)| / |λ_(1)|` come from the task's
/// ground truth, recomputed from its stored parameters (`Simulation.groundTruth`: the spectrum, or
/// the SVD of a stored target matrix), and its intervals from the stored `erank_ratio` trajectory
/// with the task's `tolerance` (`IntervalExtraction.intervals`, the function a run uses). The
/// predictions are copied from the result's entropy rows (they do not depend on the measure).
/// `middle_error` (‖W(k) − Y_r‖_F at the interval's middle) is NULL in these rows: the iterates
/// are not stored, so it cannot be recomputed.
///
/// The recomputed truth is checked against the stored entropy targets (relative difference at
/// most 1e-9 each). Where they differ — the result was computed by a build whose ground truth
/// differs from this one's — or where the parameters cannot be read back or no trajectory is
/// stored, the ratio targets stay NULL, no ratio rows are written, and `results.ratio_missing`
/// says why: never silently wrong.
enum MeasureUpgrade {
    /// The largest relative difference between stored and recomputed entropy targets that counts as equal.
    static let targetTolerance = 1e-9

    /// Results handled per round: reads, computation and writes of one chunk, so memory stays
    /// bounded by the chunk, not by the store.
    static let chunkSize = 500

    /// Writes the ratio targets and interval rows of every result that has none; inside the
    /// migration's transaction, after the parameter columns were completed.
    /// - Throws: `StoreError` from the database (a result that cannot be recomputed is not an error).
    static func backfill(_ db: any DatabaseDriver) throws(StoreError) {
        let parameterCount = SimulationConfig.parameters.count
        let params = SimulationConfig.parameters.map { "t." + ParameterColumns.quoted($0) }
        var after = Int.min
        while true {
            var updates: [[DatabaseValue]] = []
            var rows: [[DatabaseValue]] = []
            var pending: [(id: Int, stored: [Double]?, steps: [Int]?, ratio: [Double]?, parameters: [DatabaseValue])] =
                []
            try db.forEachRow(
                """
                SELECT t.id, r.targets, j.steps, j.erank_ratio, \(params.joined(separator: ", "))
                FROM results r JOIN tasks t ON t.id = r.task_id LEFT JOIN trajectories j ON j.task_id = r.task_id
                WHERE r.task_id > ? AND r.ratio_targets IS NULL AND r.ratio_missing IS NULL
                ORDER BY r.task_id \(db.dialect.limit(chunkSize))
                """, [.integer(after)]
            ) { (row: Row) throws(StoreError) in
                pending.append(
                    (
                        row.int(at: 0) ?? 0, row.data(at: 1).flatMap(PackedArray.doubles),
                        row.data(at: 2).flatMap(PackedArray.ints), row.data(at: 3).flatMap(PackedArray.doubles),
                        (0..<parameterCount).map { row.value(at: 4 + $0) }
                    ))
            }
            guard let first = pending.first?.id, let last = pending.last?.id else { return }
            after = last
            // The chunk's predictions, from its entropy rows.
            var predictions: [Int: [PredictedInterval]] = [:]
            try db.forEachRow(
                """
                SELECT task_id, rank, predicted_start, predicted_end FROM intervals
                WHERE task_id BETWEEN ? AND ? AND measure = 'entropy' AND predicted = 1 ORDER BY task_id, rank
                """, [.integer(first), .integer(last)]
            ) { (row: Row) throws(StoreError) in
                predictions[row.int(at: 0) ?? 0, default: []].append(
                    PredictedInterval(rank: row.int(at: 1) ?? 0, start: row.double(at: 2), end: row.double(at: 3)))
            }
            for p in pending {
                switch recompute(
                    stored: p.stored, steps: p.steps, ratio: p.ratio, parameters: p.parameters,
                    predicted: predictions[p.id] ?? [])
                {
                case .success(let m):
                    updates.append([.blob(PackedArray.pack(m.targets)), .null, .integer(p.id)])
                    for r in SummaryStore.intervalRows(m, measure: .ratio) { rows.append([.integer(p.id)] + r) }
                case .failure(let reason):
                    updates.append([.null, .text(reason.text), .integer(p.id)])
                }
            }
            try db.runEach("UPDATE results SET ratio_targets = ?, ratio_missing = ? WHERE task_id = ?", updates[...])
            // Many rows per statement where each statement is a round trip (PostgreSQL).
            let perStatement = db.dialect.bulkRows
            var start = 0
            while start < rows.count {
                let end = min(start + perStatement, rows.count)
                try db.run(
                    """
                    INSERT INTO intervals (task_id, measure, rank, target, measured, start, "end", length,
                        middle_error, predicted, predicted_start, predicted_end)
                    VALUES \(SummaryStore.valueRows(end - start, columns: 12))
                    """, rows[start..<end].flatMap { $0 })
                start = end
            }
        }
    }

    /// Why a result's ratio measure could not be recomputed (stored in `results.ratio_missing`).
    struct Reason: Error {
        let text: String
    }

    /// The ratio targets, intervals and predictions of one stored result.
    /// - Parameters:
    ///   - stored: the stored entropy targets.
    ///   - steps: the stored recorded steps (`nil`: no trajectory).
    ///   - ratio: the stored `erank_ratio` values.
    ///   - parameters: the task's parameter columns, in registry order.
    ///   - predicted: the result's predictions (from its entropy rows).
    /// - Returns: the measure's targets and intervals, or why they cannot be known.
    static func recompute(
        stored: [Double]?, steps: [Int]?, ratio: [Double]?, parameters: [DatabaseValue],
        predicted: [PredictedInterval]
    ) -> Result<RankIntervals, Reason> {
        guard let steps, let ratio, ratio.count == steps.count else {
            return .failure(Reason(text: "no stored trajectory of the ratio measure to compute intervals from"))
        }
        guard let stored else { return .failure(Reason(text: "the stored entropy targets are unreadable")) }
        let config: SimulationConfig
        let truth: GroundTruth
        do {
            config = try ParameterColumns.config(from: parameters)
            truth = try Simulation.groundTruth(config)
        } catch {
            return .failure(Reason(text: "the task's ground truth could not be recomputed: \(error)"))
        }
        let agrees =
            truth.targets.count == stored.count
            && zip(truth.targets, stored).allSatisfy { abs($0 - $1) <= targetTolerance * max(1, abs($1)) }
        guard agrees else {
            return .failure(
                Reason(
                    text: "this build's ground truth for the task's parameters gives entropy targets "
                        + "\(truth.targets) but the stored result has \(stored): it was computed with another "
                        + "ground truth, so ratio targets cannot be derived"))
        }
        let intervals = IntervalExtraction.intervals(
            values: ratio, steps: steps, targets: truth.ratioTargets, tolerance: config.tolerance)
        return .success(RankIntervals(targets: truth.ratioTargets, intervals: intervals, predicted: predicted))
    }
}
