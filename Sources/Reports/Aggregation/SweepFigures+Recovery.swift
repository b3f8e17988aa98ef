import Factorization
import Foundation

extension SweepFigures {
    /// Numeric parameters the final-error figure prefers on its x axis, in order: the observed
    /// fraction of a completion sweep (Arora et al. 2019's axis), then the init scale, the noise,
    /// the sensing measurements.
    static let preferredX = ["observed", "alpha", "noise", "measurements", "eta", "n", "width", "rows", "steps"]

    /// A recorded series against step, one curve per value of `groupBy`: the median over seeds at
    /// each recorded step with the 25th–75th percentile band. Parameters other than `groupBy` are
    /// held at their first value (named in the subtitle).
    /// - Parameters:
    ///   - s: the sweep (with trajectories loaded).
    ///   - series: what the y axis shows (default: the relative recovery error).
    ///   - groupBy: the parameter with one curve per value (`nil`: depth when it varies, else the
    ///     first varied parameter).
    ///   - maxGroups: the most curves drawn.
    /// - Returns: the figure data.
    /// - Throws: `ReportError` for an unknown or constant grouping parameter, or when no run
    ///   recorded the series.
    public static func trajectory(
        _ s: SweepRecords, series: TrajectorySeries = .error, groupBy: String? = nil, maxGroups: Int = 8
    ) throws(ReportError) -> CurveData {
        let group = try groupParameter(groupBy, s, prefer: ["depth"])
        let withData = s.tasks.filter { t in t.hasResult && t.trajectory.contains { series.value($0) != nil } }
        guard !withData.isEmpty else {
            throw .nothingToPlot(
                missing(
                    series.name, in: s, recovery: [.error, .unobservedError].contains(series),
                    completionOnly: series == .unobservedError, divergedLeftOut: false))
        }
        let (subset, fixed) = holdOthers(withData, keep: group.map { [$0] } ?? [])
        let values = group.map { ParameterValues.distinct($0, in: subset) } ?? [""]
        var curves: [CurveData.Curve] = []
        for v in values.prefix(maxGroups) {
            let runs = group.map { g in subset.filter { $0.parameter(g) == v } } ?? subset
            let columns = valuesByStep(runs, series.value).compactMap { step, ys in Quartiles(ys).map { (step, $0) } }
            guard !columns.isEmpty else { continue }
            curves.append(
                curve(
                    label: groupLabel(group, v, seeds: Set(runs.map(\.config.seed)).count),
                    x: columns.map { Double($0.0) }, stats: columns.map(\.1)))
        }
        return CurveData(
            title: "\(s.name): \(series.label) vs step",
            subtitle: subtitle(curves, held: fixed, more: values.count > maxGroups ? (maxGroups, values.count) : nil),
            curves: curves, x: AxisSpec("step", scale: stepScale(curves)),
            y: AxisSpec(series.label, scale: series.scale, includeZero: series.scale == .linear))
    }

    /// A recovery metric (one value per run) against a numeric parameter on the x axis, one line
    /// per value of `groupBy`: the median over seeds with the 25th–75th percentile band. Other
    /// parameters are held at their first value (named in the subtitle); diverged runs are left out.
    /// - Parameters:
    ///   - s: the sweep (trajectories not needed).
    ///   - metric: what the y axis shows.
    ///   - x: the parameter on the x axis (`nil`: the first varied numeric one of `preferredX`,
    ///     else of every parameter, other than the grouping one).
    ///   - groupBy: one line per value (`nil`: depth when it varies and is not `x`, else none).
    /// - Returns: the figure data.
    /// - Throws: `ReportError` for an unknown, constant or non-numeric parameter, or when no run
    ///   recorded the metric.
    public static func finalErrors(
        _ s: SweepRecords, metric: RecoveryMetric = .finalError, x: String? = nil, groupBy: String? = nil
    ) throws(ReportError) -> CurveData {
        let usable = s.tasks.filter { $0.hasResult && $0.status != "diverged" && metric.value($0) != nil }
        guard !usable.isEmpty else {
            throw .nothingToPlot(
                missing(
                    metric.rawValue, in: s, recovery: true, completionOnly: metric == .finalUnobservedError,
                    divergedLeftOut: true))
        }
        let varied = ParameterValues.varied(in: s.tasks)
        let numeric = { (name: String) in ParameterValues.distinct(name, in: s.tasks).allSatisfy { Double($0) != nil } }
        var group: String? = nil
        if let groupBy {
            group = try groupParameter(groupBy, s)
        }
        let xName: String
        if let x {
            guard let checked = try groupParameter(x, s) else { throw .notVaried(parameter: x, sweep: s.name) }
            guard numeric(checked) else {
                throw .nothingToPlot(
                    "parameter '\(checked)' is not numeric (values "
                        + ParameterValues.distinct(checked, in: s.tasks).joined(separator: ", ")
                        + "); choose a numeric one for the x axis")
            }
            xName = checked
        } else {
            let candidates = (preferredX + varied).filter { varied.contains($0) && numeric($0) && $0 != group }
            guard let first = candidates.first(where: { $0 != "depth" || groupBy != nil }) ?? candidates.first else {
                throw .nothingToPlot(
                    "a final-error figure needs a varied numeric parameter for its x axis; sweep '\(s.name)' varies "
                        + (varied.isEmpty ? "none" : varied.joined(separator: ", ")))
            }
            xName = first
        }
        if groupBy == nil, xName != "depth", varied.contains("depth") { group = "depth" }
        if let group, group == xName {
            throw .nothingToPlot("--x and the grouping parameter are both '\(xName)'; choose two different ones")
        }
        let keep = [xName] + (group.map { [$0] } ?? [])
        let (subset, fixed) = holdOthers(usable, keep: keep)
        let groups = group.map { ParameterValues.distinct($0, in: subset) } ?? [""]
        let xs = ParameterValues.distinct(xName, in: subset)
        var curves: [CurveData.Curve] = []
        for g in groups {
            let runs = group.map { name in subset.filter { $0.parameter(name) == g } } ?? subset
            var columns: [(Double, Quartiles)] = []
            for xv in xs {
                let ys = runs.filter { $0.parameter(xName) == xv }.compactMap { metric.value($0) }
                if let q = Quartiles(ys), let xd = Double(xv) { columns.append((xd, q)) }
            }
            guard !columns.isEmpty else { continue }
            curves.append(
                curve(
                    label: groupLabel(group, g, seeds: Set(runs.map(\.config.seed)).count),
                    x: columns.map(\.0), stats: columns.map(\.1)))
        }
        let positive = xs.compactMap(Double.init).filter { $0 > 0 }
        let logX = positive.count == xs.count && (positive.max() ?? 1) / (positive.min() ?? 1) > 100
        return CurveData(
            title: "\(s.name): \(metric.rawValue) vs \(xName)",
            subtitle: subtitle(
                curves, held: fixed, more: nil, diverged: s.tasks.contains { $0.status == "diverged" },
                single: "one run per point"),
            curves: curves, x: AxisSpec(xName, scale: logX ? .log : .linear), y: AxisSpec(metric.label, scale: .log),
            markers: true)
    }

    /// Small multiples of `trajectory`: one figure per value of the first varied parameter other
    /// than the grouping one (at most `maxPanels`, spread evenly from its first to its last value,
    /// as `staircases` picks them), each with one curve per value of the grouping parameter
    /// (depth when it varies, else the first varied one); a single figure when nothing else varies.
    /// - Parameters:
    ///   - s: the sweep (with the trajectories of `recoveryTaskKeys` loaded).
    ///   - series: what the y axes show.
    ///   - maxPanels: the most figures.
    /// - Returns: one figure per panel.
    /// - Throws: `ReportError.nothingToPlot` when no run recorded the series.
    public static func trajectories(
        _ s: SweepRecords, series: TrajectorySeries = .error, maxPanels: Int = 4
    ) throws(ReportError) -> [CurveData] {
        var out: [CurveData] = []
        for p in recoveryPanels(s, maxPanels: maxPanels) {
            guard var d = try? trajectory(p.records, series: series, groupBy: p.group) else { continue }
            d.title += p.title
            out.append(d)
        }
        guard !out.isEmpty else { throw .nothingToPlot("sweep '\(s.name)' recorded no \(series.name) values") }
        return out
    }

    /// The panels `trajectories` draws: for each picked value of the panel parameter, its tasks
    /// and the grouping parameter; one untitled panel of every task when no other parameter varies.
    static func recoveryPanels(_ s: SweepRecords, maxPanels: Int) -> [(
        title: String, records: SweepRecords, group: String?
    )] {
        let varied = ParameterValues.varied(in: s.tasks)
        let group = varied.contains("depth") ? "depth" : varied.first
        guard let panel = varied.first(where: { $0 != group }) else { return [("", s, group)] }
        return split(s, by: panel, maxPanels: maxPanels).map { ($0.title, $0.records, group) }
    }

    /// Keys of the tasks whose trajectories `trajectories` draws (a superset when in doubt),
    /// decided from parameters, statuses and final errors alone, before any trajectory is loaded.
    /// - Parameters:
    ///   - s: the sweep, without trajectories.
    ///   - maxPanels: as for `trajectories`.
    ///   - maxGroups: as for `trajectory`.
    /// - Returns: the tasks' keys (`TaskRecord.key`).
    public static func recoveryTaskKeys(_ s: SweepRecords, maxPanels: Int = 4, maxGroups: Int = 8) -> Set<String> {
        var keys: Set<String> = []
        for p in recoveryPanels(s, maxPanels: maxPanels) {
            let done = p.records.tasks.filter { $0.hasResult && $0.finalError != nil }
            let (subset, _) = holdOthers(done, keep: p.group.map { [$0] } ?? [])
            let shown = p.group.map { Set(ParameterValues.distinct($0, in: subset).prefix(maxGroups)) }
            for t in subset {
                if let group = p.group, let shown, !shown.contains(t.parameter(group)) { continue }
                keys.insert(t.key)
            }
        }
        return keys
    }

    /// Why no run of `s` has a value of `name` (a recovery metric or a recorded series), as one line:
    /// the sweep has no results yet; `name` exists for completion runs only and the sweep has none;
    /// every result was stored by a dmfsweep that did not record recovery errors (no `recovery` row,
    /// docs/summary-store.md); or every run diverged and diverged runs are left out.
    /// - Parameters:
    ///   - name: the metric or series as the user named it.
    ///   - s: the sweep.
    ///   - recovery: whether `name` comes from the store's `recovery` table.
    ///   - completionOnly: whether only completion runs record `name`.
    ///   - divergedLeftOut: whether the figure leaves diverged runs out.
    /// - Returns: the message for `ReportError.nothingToPlot`.
    static func missing(
        _ name: String, in s: SweepRecords, recovery: Bool, completionOnly: Bool, divergedLeftOut: Bool
    ) -> String {
        let head = "sweep '\(s.name)' has no run that recorded \(name)"
        let done = s.tasks.filter(\.hasResult)
        if done.isEmpty { return head + ": it has no results yet" }
        if completionOnly && !done.contains(where: { $0.config.problem == .completion }) {
            return head + ": only completion runs (problem: completion) record it, and the sweep has none"
        }
        if recovery && done.allSatisfy({ $0.finalError == nil && $0.finalCleanError == nil }) {
            return head
                + ": its \(done.count) result(s) were stored by a dmfsweep that did not record recovery errors"
                + " (they are not recomputed; run the sweep into a new store to get them)"
        }
        if divergedLeftOut && done.allSatisfy({ $0.status == "diverged" }) {
            return head + ": every run diverged, and diverged runs are left out"
        }
        return head
    }

    /// A curve from per-x quartiles: the median line, and the interquartile band when some x has
    /// more than one run.
    static func curve(label: String, x: [Double], stats: [Quartiles]) -> CurveData.Curve {
        let band = stats.contains { $0.count > 1 }
        return CurveData.Curve(
            label: label, x: x, center: stats.map(\.median), lower: band ? stats.map(\.lower) : nil,
            upper: band ? stats.map(\.upper) : nil, counts: stats.map(\.count))
    }

    /// "depth = 3 (5 seeds)", or "all runs".
    static func groupLabel(_ group: String?, _ value: String, seeds: Int) -> String {
        (group.map { "\($0) = \(value)" } ?? "all runs") + (seeds > 1 ? " (\(seeds) seeds)" : "")
    }

    /// What the lines and bands are, and what was held fixed.
    static func subtitle(
        _ curves: [CurveData.Curve], held: String, more: (shown: Int, of: Int)?, diverged: Bool = false,
        single: String = "one run per curve"
    ) -> String {
        var notes: [String] = []
        notes.append(curves.contains { $0.lower != nil } ? "median over seeds, band: 25th–75th percentile" : single)
        if diverged { notes.append("diverged runs left out") }
        if !held.isEmpty { notes.append(held) }
        if let more { notes.append("first \(more.shown) of \(more.of) groups") }
        return notes.joined(separator: "; ")
    }

    /// Log when the recorded steps span more than two decades.
    static func stepScale(_ curves: [CurveData.Curve]) -> ScaleKind {
        let positive = curves.flatMap(\.x).filter { $0 > 0 }
        guard let lo = positive.min(), let hi = positive.max() else { return .linear }
        return hi / lo > 100 ? .log : .linear
    }
}
