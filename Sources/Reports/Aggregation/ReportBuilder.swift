import Factorization
import Foundation

/// Assembles report sections from sweep records: every figure that the data supports, and the tables.
public enum ReportBuilder {
    /// The section of one sweep. Figures whose data is missing (no trajectories, a single varied
    /// parameter, no predictions) are left out rather than drawn empty.
    /// - Parameter s: the sweep.
    /// - Returns: the section.
    public static func section(_ s: SweepRecords) -> SweepReport {
        var figures: [ReportFigure] = []
        let varied = ParameterValues.varied(in: s.tasks)
        for d in (try? SweepFigures.staircases(s, measure: .effectiveRank(s.measure))) ?? [] {
            let caption =
                s.measure == .entropy
                ? "Effective rank (entropy, Roy–Vetterli) against step; dashed lines: targets erank(Yᵣ)."
                : "Effective rank ‖W‖*/‖W‖op against step; dashed lines: targets ‖Yᵣ‖*/‖Yᵣ‖op."
            figures.append(ReportFigure(.staircase(d), caption: caption))
        }
        if s.tasks.contains(where: { $0.config.noise > 0 }) {
            for d in (try? SweepFigures.staircases(s, measure: .cleanError)) ?? [] {
                figures.append(
                    ReportFigure(
                        .staircase(d),
                        caption: "Error to the clean target: its minimum is the best early-stopping point."))
            }
        }
        figures += recoveryFigures(s)
        if varied.count >= 2 {
            let rank = maxRank(s) >= 2 ? 2 : 1
            if let d = try? SweepFigures.heatmap(s, rank: rank) {
                figures.append(ReportFigure(.heatmap(d), caption: "Mean length of the interval for r = \(rank)."))
            }
        }
        if let d = try? SweepFigures.predictedVsMeasured(s) {
            figures.append(
                ReportFigure(
                    .predictedVsMeasured(d),
                    caption: "Points on the diagonal: the theory predicts the measured start exactly."))
        }
        if let d = try? SweepFigures.status(s) {
            figures.append(
                ReportFigure(.status(d), caption: "Run outcomes; diverged runs stopped at the first non-finite loss."))
        }
        let tables =
            [SweepTables.runs(s)]
            + [
                SweepTables.intervals(s), SweepTables.agreementByDepth(s), SweepTables.earlyStopping(s),
                SweepTables.monotonicity(s),
            ].compactMap { $0 }
        return SweepReport(
            name: s.name, question: s.question, summary: summary(s), figures: figures, tables: tables,
            specText: s.specText)
    }

    /// The recovery-error figures of a sweep whose runs recorded them: the relative error against
    /// step and the final error against a numeric parameter, and for completion the same on the
    /// unobserved entries (Arora et al. 2019's generalisation error). A completion whose target is
    /// 0 on every unobserved entry has no relative error there (Razin and Cohen 2020's instance):
    /// its unobserved entries' largest magnitude against step is drawn instead.
    static func recoveryFigures(_ s: SweepRecords) -> [ReportFigure] {
        var out: [ReportFigure] = []
        let completion = s.tasks.contains { $0.finalUnobservedError != nil }
        let zeroOnUnobserved =
            !completion && s.tasks.contains { $0.trajectory.contains { $0.unobservedMax != nil } }
        let series =
            [TrajectorySeries.error] + (completion ? [.unobservedError] : [])
            + (zeroOnUnobserved ? [.unobservedMax] : [])
        for series in series {
            for d in (try? SweepFigures.trajectories(s, series: series)) ?? [] {
                let caption: String
                switch series {
                case .error: caption = "Recovery error against step: distance of the product to the clean target."
                case .unobservedError:
                    caption = "Error on the unobserved entries against step: what completion generalises."
                default:
                    caption =
                        "Largest |W_ij| over the unobserved entries against step (the target is 0 there, so "
                        + "no relative error exists; Razin and Cohen 2020 follow its growth as the loss falls)."
                }
                out.append(ReportFigure(.curves(d), caption: caption))
            }
        }
        for metric in [RecoveryMetric.finalError] + (completion ? [.finalUnobservedError] : []) {
            guard let d = try? SweepFigures.finalErrors(s, metric: metric) else { continue }
            out.append(
                ReportFigure(
                    .curves(d),
                    caption: metric == .finalError
                        ? "Recovery error at the last step, by parameter."
                        : "Error on the unobserved entries at the last step, by parameter."))
        }
        return out
    }

    /// The whole report.
    /// - Parameters:
    ///   - sweeps: the sweeps, one section each.
    ///   - metadata: when and how the report was made.
    ///   - title: the page title.
    /// - Returns: the report, ready for `HTMLReport.render`.
    public static func report(_ sweeps: [SweepRecords], metadata: RunMetadata, title: String = "dmfsweep report")
        -> ReportData
    {
        ReportData(title: title, metadata: metadata, sweeps: sweeps.map(section))
    }

    static func maxRank(_ s: SweepRecords) -> Int { s.tasks.map { $0.intervals.map(\.rank).max() ?? 0 }.max() ?? 0 }

    static func summary(_ s: SweepRecords) -> [KeyValue] {
        var out = [KeyValue("tasks", "\(s.tasks.count)")]
        for status in ["finished", "converged", "diverged", "failed", "pending", "running"] {
            let n = s.tasks.filter { $0.status == status }.count
            if n > 0 { out.append(KeyValue(status, "\(n)")) }
        }
        let seconds = s.tasks.compactMap(\.seconds).reduce(0, +)
        out.append(KeyValue("compute", formatDuration(seconds)))
        let varied = ParameterValues.varied(in: s.tasks)
        if !varied.isEmpty { out.append(KeyValue("varied", varied.joined(separator: " × "))) }
        let seeds = Set(s.tasks.map(\.config.seed)).count
        if seeds > 1 { out.append(KeyValue("seeds", "\(seeds)")) }
        return out + s.runFacts
    }

    /// `< 1 ms`, `42 ms`, `4.20 s`, `12.3 s`, `4 min 05 s`, `2 h 03 min`.
    /// - Parameter s: seconds, ≥ 0.
    /// - Returns: the text.
    public static func formatDuration(_ s: Double) -> String {
        if s < 0.001 { return "< 1 ms" }
        if s < 1 { return String(format: "%.0f ms", s * 1000) }
        if s < 10 { return String(format: "%.2f s", s) }
        if s < 60 { return String(format: "%.1f s", s) }
        if s < 3600 { return String(format: "%d min %02d s", Int(s) / 60, Int(s) % 60) }
        return String(format: "%d h %02d min", Int(s) / 3600, (Int(s) % 3600) / 60)
    }
}
