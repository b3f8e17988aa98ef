import Factorization
import Foundation

/// Aggregate tables of a sweep: runs per parameter group, intervals per rank, agreement with the
/// theory, and early stopping for noisy targets.
public enum SweepTables {
    /// Formats an optional number for a table cell ("–" when absent).
    static func cell(_ v: Double?, digits: Int? = nil) -> String {
        guard let v else { return "–" }
        if let digits { return String(format: "%.\(digits)f", v) }
        return TickFormat.number(v)
    }

    static func meanStd(_ s: Summary?) -> String {
        guard let s else { return "–" }
        return s.count > 1 ? TickFormat.meanStd(s.mean, s.std) : TickFormat.number(s.mean)
    }

    /// Tasks grouped by every varied parameter (seeds pooled), in a stable order.
    static func groups(_ tasks: [TaskRecord], by names: [String]) -> [([String], [TaskRecord])] {
        var order: [[String]] = []
        var members: [[String]: [TaskRecord]] = [:]
        for t in tasks {
            let key = names.map { t.parameter($0) }
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(t)
        }
        let sortedValues = names.map { ParameterValues.distinct($0, in: tasks) }
        order.sort { a, b in
            for i in names.indices where a[i] != b[i] {
                return (sortedValues[i].firstIndex(of: a[i]) ?? 0) < (sortedValues[i].firstIndex(of: b[i]) ?? 0)
            }
            return false
        }
        return order.map { ($0, members[$0, default: []]) }
    }

    /// Runs, statuses and final values per group of varied parameters.
    /// - Parameters:
    ///   - s: the sweep.
    ///   - maxRows: the most rows; further groups are left out.
    /// - Returns: the table.
    public static func runs(_ s: SweepRecords, maxRows: Int = 80) -> ReportTable {
        let varied = ParameterValues.varied(in: s.tasks)
        var rows: [[String]] = []
        for (key, runs) in groups(s.tasks, by: varied).prefix(maxRows) {
            let done = runs.filter(\.hasResult)
            rows.append(
                key + [
                    "\(runs.count)", "\(runs.filter { $0.status == "finished" }.count)",
                    "\(runs.filter { $0.status == "converged" }.count)",
                    "\(runs.filter { $0.status == "diverged" }.count)",
                    meanStd(Summary(done.compactMap(\.finalErank))),
                    cell(Summary(done.compactMap(\.finalLoss))?.mean),
                    cell(Summary(done.compactMap { $0.steps.map(Double.init) })?.mean),
                    cell(Summary(done.compactMap(\.seconds))?.mean),
                ])
        }
        return ReportTable(
            caption: "Runs" + (varied.isEmpty ? "" : " by " + varied.joined(separator: ", ")) + " (seeds pooled)",
            columns: varied + [
                // final_erank is always the entropy measure (README, Definitions), whatever --measure draws.
                "runs", "finished", "converged", "diverged", "final erank (entropy)", "final loss", "steps", "seconds",
            ],
            rows: rows)
    }

    /// Per group and rank: target, how often an interval was found, measured and predicted start,
    /// their relative difference, and the interval length.
    /// - Parameters:
    ///   - s: the sweep.
    ///   - maxRows: the most rows.
    /// - Returns: the table, or `nil` when no run has intervals.
    public static func intervals(_ s: SweepRecords, maxRows: Int = 120) -> ReportTable? {
        let varied = ParameterValues.varied(in: s.tasks)
        var rows: [[String]] = []
        for (key, runs) in groups(s.tasks.filter { $0.hasResult && $0.status != "diverged" }, by: varied) {
            let ranks = Set(runs.flatMap { $0.intervals.map(\.rank) }).sorted()
            for r in ranks {
                let ivs = runs.compactMap { $0.interval(rank: r) }
                let found = ivs.filter { $0.start != nil }
                let rel = found.compactMap { iv -> Double? in
                    guard let p = iv.predictedStart, p > 0 else { return nil }
                    return abs(Double(iv.start!) - p) / p
                }
                rows.append(
                    key + [
                        "\(r)", cell(ivs.first?.target, digits: 3), "\(found.count)/\(ivs.count)",
                        meanStd(Summary(found.map { Double($0.start!) })),
                        cell(Summary(ivs.compactMap(\.predictedStart))?.mean),
                        rel.isEmpty ? "–" : String(format: "%.1f%%", 100 * Summary(rel)!.mean),
                        meanStd(Summary(found.map { Double($0.length) })),
                        cell(
                            Summary(
                                ivs.compactMap { iv in iv.predictedEnd.flatMap { e in iv.predictedStart.map { e - $0 } }
                                })?.mean),
                    ])
                if rows.count >= maxRows { break }
            }
        }
        guard !rows.isEmpty else { return nil }
        return ReportTable(
            caption: "Early-stopping intervals by rank r (seeds pooled; \(s.measure.rawValue) effective rank)",
            columns: varied + [
                "r", "target", "found", "start", "predicted start", "start rel. error", "length",
                "predicted length",
            ],
            rows: rows)
    }

    /// Mean relative error `|measured − predicted| / predicted` of interval starts, by depth.
    /// - Parameter s: the sweep.
    /// - Returns: the table, or `nil` when no run has both a measured start and a prediction.
    public static func agreementByDepth(_ s: SweepRecords) -> ReportTable? {
        var rows: [[String]] = []
        for depth in ParameterValues.distinct("depth", in: s.tasks) {
            let errs = s.tasks.filter { $0.parameter("depth") == depth && $0.hasResult && $0.status != "diverged" }
                .flatMap(\.intervals).compactMap { iv -> Double? in
                    guard let start = iv.start, let p = iv.predictedStart, p > 0 else { return nil }
                    return abs(Double(start) - p) / p
                }
            guard let sum = Summary(errs) else { continue }
            let sorted = errs.sorted()
            rows.append([
                depth, "\(sum.count)", String(format: "%.1f%%", 100 * sum.mean),
                String(format: "%.1f%%", 100 * sorted[sorted.count / 2]),
            ])
        }
        guard !rows.isEmpty else { return nil }
        return ReportTable(
            caption: "Switch-on: measured interval start vs prediction, by depth",
            columns: ["depth", "intervals", "mean rel. error", "median rel. error"], rows: rows)
    }

    /// For noisy targets: the best early-stopping step and whether it lies inside a measured interval.
    /// - Parameter s: the sweep.
    /// - Returns: the table, or `nil` when no target is noisy.
    public static func earlyStopping(_ s: SweepRecords) -> ReportTable? {
        let noisy = s.tasks.filter { $0.config.noise > 0 && $0.bestStep != nil }
        guard !noisy.isEmpty else { return nil }
        let varied = ParameterValues.varied(in: noisy)
        var rows: [[String]] = []
        for (key, runs) in groups(noisy, by: varied) {
            var inside = 0
            var ranks: [Int] = []
            for run in runs {
                let k = run.bestStep!
                if let iv = run.intervals.first(where: {
                    $0.start.map { $0 <= k } == true && $0.end.map { k <= $0 } == true
                }) {
                    inside += 1
                    ranks.append(iv.rank)
                }
            }
            let finalErr = runs.compactMap { run in run.trajectory.last?.cleanError }
            rows.append(
                key + [
                    "\(runs.count)", meanStd(Summary(runs.map { Double($0.bestStep!) })),
                    meanStd(Summary(runs.compactMap(\.bestCleanError))), cell(Summary(finalErr)?.mean),
                    "\(inside)/\(runs.count)",
                    ranks.isEmpty ? "–" : Set(ranks).sorted().map(String.init).joined(separator: ","),
                ])
        }
        return ReportTable(
            caption: "Denoising by early stopping: best step (smallest error to the clean Y)",
            columns: varied + [
                "runs", "best step", "best clean error", "final clean error", "inside an interval",
                "interval ranks",
            ],
            rows: rows)
    }

    /// The seed paper's claim, measured: per problem, init and depth, the fraction of runs whose
    /// effective rank never falls by more than the tolerance after its initial descent
    /// (`RankMonotonicity`), under both measures, and the median step from which it is monotone.
    /// - Parameter s: the sweep.
    /// - Returns: the table, or `nil` when no run has the measurements.
    public static func monotonicity(_ s: SweepRecords) -> ReportTable? {
        let runs = s.tasks.filter { $0.hasResult && !$0.monotonicity.isEmpty }
        guard !runs.isEmpty else { return nil }
        var rows: [[String]] = []
        for (key, group) in groups(runs, by: ["problem", "init", "depth"]) {
            var cells = key + ["\(group.count)"]
            for measure in EffectiveRankMeasure.allCases {
                let measured = group.compactMap { $0.monotonicity[measure] }
                let monotone = measured.filter { $0.rankDrops == 0 }.count
                cells.append(measured.isEmpty ? "–" : "\(monotone)/\(measured.count)")
                let from = measured.compactMap(\.monotoneFrom).map(Double.init).sorted()
                cells.append(
                    from.isEmpty
                        ? "–"
                        : cell(
                            from.count % 2 == 1
                                ? from[from.count / 2] : (from[from.count / 2 - 1] + from[from.count / 2]) / 2))
            }
            rows.append(cells)
        }
        return ReportTable(
            caption: "Monotone after the initial drop: runs whose effective rank never falls by more than the "
                + "tolerance after its first minimum (entropy = Roy–Vetterli, ratio = ‖W‖_*/‖W‖_op)",
            columns: [
                "problem", "init", "depth", "runs", "monotone (entropy)", "median monotone_from (entropy)",
                "monotone (ratio)", "median monotone_from (ratio)",
            ],
            rows: rows)
    }
}
