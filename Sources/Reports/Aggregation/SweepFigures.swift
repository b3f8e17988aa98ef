import Factorization
import Foundation

/// Turns a sweep's task records into figure data: grouping by parameters, averaging over seeds.
///
/// Parameters other than the ones a figure shows are held at their first value (the choice is
/// named in the subtitle), so every curve and cell compares like with like.
public enum SweepFigures {
    /// Which recorded quantity a trajectory figure plots.
    public enum Measure: String, Sendable, CaseIterable {
        /// The Roy–Vetterli effective rank of the product W.
        case erank
        /// The ratio `‖W‖_* / ‖W‖_op` of the product.
        case erankRatio = "erank_ratio"
        /// The training loss.
        case loss
        /// `‖W − Y_clean‖_F`, recorded for noisy targets only.
        case cleanError = "clean_error"
        /// `‖W‖_F`, the Frobenius norm of the product.
        case productNorm = "product_norm"
        /// Completion: the largest |W_ij| over the unobserved entries (|W₁₁| for Razin and Cohen's
        /// 2×2 instance).
        case unobservedMax = "unobserved_max"

        var label: String {
            switch self {
            case .erank: return "effective rank"
            case .erankRatio: return "effective rank ‖W‖* / ‖W‖op"
            case .loss: return "loss"
            case .cleanError: return "‖W − Y_clean‖_F"
            case .productNorm: return "‖W‖_F"
            case .unobservedMax: return "max |W_ij| over unobserved (i, j)"
            }
        }

        /// Whether the y axis is logarithmic (losses, errors and norms span decades).
        var logScale: Bool { [.loss, .cleanError, .productNorm, .unobservedMax].contains(self) }

        /// The trajectory series of an effective-rank measure (`erank`, `erank_ratio`).
        public static func effectiveRank(_ m: EffectiveRankMeasure) -> Measure {
            switch m {
            case .entropy: return .erank
            case .ratio: return .erankRatio
            }
        }

        func value(_ p: TrajectoryPoint) -> Double? {
            switch self {
            case .erank: return p.erank
            case .erankRatio: return p.erankRatio
            case .loss: return p.loss
            case .cleanError: return p.cleanError
            case .productNorm: return p.productNorm
            case .unobservedMax: return p.unobservedMax
            }
        }
    }

    /// Every recorded step's finite values of `value` over `runs`, by ascending step (steps where
    /// no run has a finite value are left out).
    static func valuesByStep(
        _ runs: [TaskRecord], _ value: (TrajectoryPoint) -> Double?
    ) -> [(step: Int, values: [Double])] {
        var byStep: [Int: [Double]] = [:]
        for run in runs {
            for p in run.trajectory {
                if let y = value(p), y.isFinite { byStep[p.step, default: []].append(y) }
            }
        }
        return byStep.sorted { $0.key < $1.key }.map { (step: $0.key, values: $0.value) }
    }

    /// Tasks restricted to the first value of every varied parameter not in `keep`, and a
    /// description of what was held fixed.
    static func holdOthers(_ tasks: [TaskRecord], keep: [String]) -> ([TaskRecord], String) {
        var subset = tasks
        var fixed: [String] = []
        for name in ParameterValues.varied(in: tasks) where !keep.contains(name) {
            guard let first = ParameterValues.distinct(name, in: subset).first else { continue }
            subset = subset.filter { $0.parameter(name) == first }
            fixed.append("\(name) = \(first)")
        }
        return (subset, fixed.joined(separator: ", "))
    }

    /// The grouping parameter: the one asked for (checked), else the first varied one, else none.
    static func groupParameter(_ asked: String?, _ s: SweepRecords, prefer: [String] = []) throws(ReportError)
        -> String?
    {
        if let asked {
            try ParameterValues.check(asked)
            guard ParameterValues.distinct(asked, in: s.tasks).count > 1 else {
                throw .notVaried(parameter: asked, sweep: s.name)
            }
            return asked
        }
        let varied = ParameterValues.varied(in: s.tasks)
        return prefer.first(where: varied.contains) ?? varied.first
    }

    /// Mean (± std over seeds) of `measure` against step, one curve per value of `groupBy`, with
    /// the targets and the mean measured intervals when `measure` is the effective rank the
    /// records' intervals belong to (`SweepRecords.measure`).
    /// - Parameters:
    ///   - s: the sweep.
    ///   - groupBy: the parameter with one curve per value (`nil`: the first varied one).
    ///   - measure: what the y axis shows.
    ///   - maxGroups: the most curves drawn.
    /// - Returns: the figure data.
    /// - Throws: `ReportError` for an unknown or constant grouping parameter, or no trajectories.
    public static func staircase(
        _ s: SweepRecords, groupBy: String? = nil, measure: Measure = .erank, maxGroups: Int = 8
    ) throws(ReportError) -> StaircaseData {
        let group = try groupParameter(groupBy, s)
        let showsIntervals = measure == .effectiveRank(s.measure)
        let withData = s.tasks.filter { $0.hasResult && !$0.trajectory.isEmpty }
        guard !withData.isEmpty else { throw .nothingToPlot("sweep '\(s.name)' has no recorded trajectories yet") }
        let (subset, fixed) = holdOthers(withData, keep: group.map { [$0] } ?? [])
        let values = group.map { ParameterValues.distinct($0, in: subset) } ?? [""]
        var series: [StaircaseData.Series] = []
        for v in values.prefix(maxGroups) {
            let runs = group.map { g in subset.filter { $0.parameter(g) == v } } ?? subset
            // Only finite values were collected, so every step has a summary.
            let columns = valuesByStep(runs, measure.value).compactMap { step, ys in Summary(ys).map { (step, $0) } }
            let steps = columns.map(\.0)
            let stats = columns.map(\.1)
            let seeds = Set(runs.map(\.config.seed)).count
            var intervals: [StaircaseData.Interval] = []
            let ranks = Set(runs.flatMap { $0.intervals.map(\.rank) }).sorted()
            for r in ranks {
                let found = runs.compactMap { run -> (start: Int, end: Int)? in
                    guard let iv = run.interval(rank: r), let start = iv.start, let end = iv.end else { return nil }
                    return (start, end)
                }
                guard let a = Summary(found.map { Double($0.start) }), let b = Summary(found.map { Double($0.end) })
                else { continue }
                intervals.append(.init(rank: r, start: a.mean, end: b.mean))
            }
            let label = (group.map { "\($0) = \(v)" } ?? "all runs") + (seeds > 1 ? " (\(seeds) seeds)" : "")
            guard !steps.isEmpty else { continue }  // e.g. no clean error recorded for a noiseless target
            var markers: [Point] = []
            if measure == .cleanError, let k = Summary(runs.compactMap { $0.bestStep.map(Double.init) }),
                let e = Summary(runs.compactMap(\.bestCleanError))
            {
                markers.append(Point(k.mean, e.mean))
            }
            series.append(
                .init(
                    label: label, steps: steps.map(Double.init), mean: stats.map(\.mean),
                    std: stats.contains { $0.count > 1 } ? stats.map(\.std) : nil,
                    intervals: showsIntervals ? intervals : [], markers: markers))
        }
        guard !series.isEmpty else {
            throw .nothingToPlot("sweep '\(s.name)' recorded no \(measure.label) values")
        }
        let targets =
            showsIntervals ? (subset.first?.intervals.sorted { $0.rank < $1.rank }.map(\.target) ?? []) : []
        var notes: [String] = []
        if !fixed.isEmpty { notes.append(fixed) }
        if values.count > maxGroups { notes.append("first \(maxGroups) of \(values.count) groups") }
        let title = "\(s.name): \(measure.label) vs step"
        var data = StaircaseData(
            title: title, series: series, targets: targets, yLabel: measure.label,
            yScale: measure.logScale ? .log : .linear)
        if measure == .cleanError { notes.insert("dots: mean best early-stopping step", at: 0) }
        if !notes.isEmpty {
            let hasBand = series.contains { $0.std != nil }
            data.subtitle = (hasBand ? "mean ± std over seeds; " : "") + notes.joined(separator: "; ")
        }
        return data
    }

    /// Mean interval length for rank `rank` over a grid of two parameters (`y` rows × `x` columns).
    /// Runs without an interval for r count as length 0; diverged runs are left out.
    /// - Parameters:
    ///   - s: the sweep.
    ///   - x: the column parameter (`nil`: chosen from the varied ones).
    ///   - y: the row parameter (`nil`: chosen from the varied ones).
    ///   - rank: the rank r of the interval measured.
    /// - Returns: the figure data.
    /// - Throws: `ReportError` when fewer than two parameters vary or a named one is unknown/constant.
    public static func heatmap(_ s: SweepRecords, x: String? = nil, y: String? = nil, rank: Int = 2) throws(ReportError)
        -> HeatmapData
    {
        let varied = ParameterValues.varied(in: s.tasks)
        let yName = try groupParameter(y, s) ?? ""
        let xName =
            try x.map { name throws(ReportError) in try groupParameter(name, s) ?? name }
            ?? varied.first { $0 != yName }
        guard let xName, !yName.isEmpty, xName != yName else {
            throw .nothingToPlot(
                "a heatmap needs two varied parameters; sweep '\(s.name)' varies "
                    + (varied.isEmpty ? "none" : varied.joined(separator: ", ")))
        }
        let usable = s.tasks.filter { $0.status == "finished" || $0.status == "converged" }
        // A run without rank r counts as length 0 (its target exists, no interval was found); a rank no
        // run has would draw a map of zeros for a target that does not exist.
        guard usable.isEmpty || usable.contains(where: { $0.interval(rank: rank) != nil }) else {
            let ranks = Set(usable.flatMap { $0.intervals.map(\.rank) }).sorted()
            throw .nothingToPlot(
                "no run of sweep '\(s.name)' has a target of rank r = \(rank)"
                    + (ranks.isEmpty ? "" : " (its ranks: \(ranks.first!)–\(ranks.last!)); choose another --rank"))
        }
        let (subset, fixed) = holdOthers(usable, keep: [xName, yName])
        let xs = ParameterValues.distinct(xName, in: s.tasks)
        let ys = ParameterValues.distinct(yName, in: s.tasks)
        var largestCell = 0
        let values: [[Double?]] = ys.map { yv in
            xs.map { xv in
                let cell = subset.filter { $0.parameter(xName) == xv && $0.parameter(yName) == yv }
                largestCell = max(largestCell, cell.count)
                return Summary(
                    cell.map { Double($0.interval(rank: rank).map { $0.start == nil ? 0 : $0.length } ?? 0) })?
                    .mean
            }
        }
        return HeatmapData(
            title: "\(s.name): mean interval length, r = \(rank)" + s.measure.titleSuffix,
            subtitle: ([largestCell > 1 ? "mean over seeds" : "one run per cell", "diverged runs left out"]
                + (fixed.isEmpty ? [] : [fixed])).joined(separator: "; "),
            xLabel: xName, yLabel: yName, xValues: xs, yValues: ys, values: values,
            colorLabel: "interval length (steps)", logColor: true)
    }

    /// Small multiples: one staircase per value of the second varied parameter (at most `maxPanels`,
    /// spread evenly from its first to its last value), each grouped by the first varied parameter;
    /// a single staircase when fewer than two parameters vary.
    /// - Parameters:
    ///   - s: the sweep.
    ///   - measure: what the y axes show.
    ///   - maxPanels: the most panels.
    /// - Returns: one staircase per panel.
    /// - Throws: `ReportError` when the sweep has no trajectories.
    public static func staircases(
        _ s: SweepRecords, measure: Measure = .erank, maxPanels: Int = 4
    ) throws(ReportError) -> [StaircaseData] {
        let all = panels(s, maxPanels: maxPanels)
        if all.count == 1 && all[0].title == nil { return [try staircase(s, measure: measure)] }
        var out: [StaircaseData] = []
        for p in all {
            guard var d = try? staircase(p.records, groupBy: p.group, measure: measure) else { continue }
            d.title += p.title ?? ""
            out.append(d)
        }
        guard !out.isEmpty else { throw .nothingToPlot("sweep '\(s.name)' has no recorded trajectories yet") }
        return out
    }

    /// The panels `staircases` draws: for each picked value of the second varied parameter, its
    /// tasks and the grouping parameter; one untitled panel of every task when fewer than two vary.
    static func panels(_ s: SweepRecords, maxPanels: Int) -> [(title: String?, records: SweepRecords, group: String?)] {
        let varied = ParameterValues.varied(in: s.tasks)
        guard varied.count >= 2 else { return [(nil, s, varied.first)] }
        return split(s, by: varied[1], maxPanels: maxPanels).map { ($0.title, $0.records, varied[0]) }
    }

    /// One panel per value of `panel` (at most `maxPanels`, spread evenly over its sorted values,
    /// first and last included), titled ", panel = value", with that value's tasks.
    static func split(
        _ s: SweepRecords, by panel: String, maxPanels: Int
    ) -> [(title: String, records: SweepRecords)] {
        let values = ParameterValues.distinct(panel, in: s.tasks)
        let picked =
            values.count <= maxPanels
            ? values
            : (0..<maxPanels).map {
                values[Int((Double($0) * Double(values.count - 1) / Double(maxPanels - 1)).rounded())]
            }
        return picked.map { v in
            var subset = s
            subset.tasks = s.tasks.filter { $0.parameter(panel) == v }
            return (", \(panel) = \(v)", subset)
        }
    }

    /// Keys of the tasks whose trajectories the report's staircases draw (a superset when in
    /// doubt), so a loader can fetch those trajectories only. Decided from parameters and
    /// statuses alone, before any trajectory is loaded.
    /// - Parameters:
    ///   - s: the sweep, without trajectories.
    ///   - maxPanels: as for `staircases`.
    ///   - maxGroups: as for `staircase`.
    /// - Returns: the tasks' keys (`TaskRecord.key`).
    public static func staircaseTaskKeys(_ s: SweepRecords, maxPanels: Int = 4, maxGroups: Int = 8) -> Set<String> {
        var keys: Set<String> = []
        for p in panels(s, maxPanels: maxPanels) {
            let (subset, _) = holdOthers(p.records.tasks.filter(\.hasResult), keep: p.group.map { [$0] } ?? [])
            let shown = p.group.map { Set(ParameterValues.distinct($0, in: subset).prefix(maxGroups)) }
            for t in subset {
                if let group = p.group, let shown, !shown.contains(t.parameter(group)) { continue }
                keys.insert(t.key)
            }
        }
        return keys
    }

    /// Measured interval starts against the predicted switch-on steps, one marker group per value
    /// of `groupBy` (default: depth).
    /// - Parameters:
    ///   - s: the sweep.
    ///   - groupBy: the parameter with one marker group per value.
    /// - Returns: the figure data.
    /// - Throws: `ReportError` when no run has both a measured start and a prediction.
    public static func predictedVsMeasured(_ s: SweepRecords, groupBy: String? = nil) throws(ReportError)
        -> PredictedVsMeasuredData
    {
        let group = try groupParameter(groupBy, s, prefer: ["depth"])
        let values = group.map { ParameterValues.distinct($0, in: s.tasks) } ?? [""]
        var groups: [PredictedVsMeasuredData.Group] = []
        let varied = ParameterValues.varied(in: s.tasks)
        for v in values {
            let runs = s.tasks.filter {
                $0.hasResult && $0.status != "diverged" && (group == nil || $0.parameter(group!) == v)
            }
            var points: [Point] = []
            var tips: [String] = []
            for run in runs {
                for iv in run.intervals {
                    guard let start = iv.start, let p = iv.predictedStart, p > 0, start > 0 else { continue }
                    points.append(Point(p, Double(start)))
                    let params = (varied + ["seed"]).map { "\($0)=\(run.parameter($0))" }.joined(separator: " ")
                    tips.append("\(params) r=\(iv.rank): predicted \(TickFormat.number(p)), measured \(start)")
                }
            }
            if !points.isEmpty {
                groups.append(.init(label: group.map { "\($0) = \(v)" } ?? "all runs", points: points, tooltips: tips))
            }
        }
        guard !groups.isEmpty else {
            throw .nothingToPlot("sweep '\(s.name)' has no run with both a measured interval start and a prediction")
        }
        return PredictedVsMeasuredData(
            title: "\(s.name): interval start, measured vs predicted" + s.measure.titleSuffix,
            subtitle: "every run and rank r; prediction: small-init gradient-flow switch-on of λᵣ", groups: groups)
    }

    /// Fractions of run statuses per value of `x` (default: η when it varies, else the first varied parameter).
    /// - Parameters:
    ///   - s: the sweep.
    ///   - x: the parameter with one bar per value.
    /// - Returns: the chart data.
    /// - Throws: `ReportError` for an unknown or constant parameter `x`.
    public static func status(_ s: SweepRecords, x: String? = nil) throws(ReportError) -> StatusData {
        let group = try groupParameter(x, s, prefer: ["eta"])
        let known = ["finished", "converged", "diverged"]
        let present = Set(s.tasks.map(\.status))
        let statuses = known + present.subtracting(known).sorted()
        let values = group.map { ParameterValues.distinct($0, in: s.tasks) } ?? ["all"]
        let counts = values.map { v in
            let runs = group.map { g in s.tasks.filter { $0.parameter(g) == v } } ?? s.tasks
            return statuses.map { st in runs.filter { $0.status == st }.count }
        }
        return StatusData(
            title: "\(s.name): run status", subtitle: "\(s.tasks.count) tasks", xLabel: group ?? "",
            categories: values, statuses: statuses, counts: counts)
    }
}

extension EffectiveRankMeasure {
    /// What a figure title adds to name the measure: nothing for the default (entropy).
    var titleSuffix: String { self == .entropy ? "" : " (\(rawValue) effective rank)" }
}
