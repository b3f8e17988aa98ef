import Factorization
import Foundation

@testable import Reports

/// A report built from the independent fixture recursion: realistic staircases, heatmaps over
/// depth × α, predicted-vs-measured switch-on and status bars. Used by the HTML tests and, with
/// `DMFSWEEP_REPORT_DEMO=path.html`, written out for a look in a browser.
enum DemoReport {
    static let lambda = [10.0, 5, 2, 1, 0.5]

    static func staircase(depths: [Int], alpha: Double, eta: Double, steps: Int) -> StaircaseData {
        let targets = Fixtures.targets(lambda)
        let series = depths.map { depth -> StaircaseData.Series in
            // Three "seeds": slightly different α, so there is a spread to show.
            let runs = [0.9, 1.0, 1.1].map {
                Fixtures.trajectory(lambda: lambda, depth: depth, alpha: alpha * $0, eta: eta, steps: steps, every: 10)
            }
            let mean = (0..<runs[0].count).map { i in runs.map { $0[i].erank }.reduce(0, +) / 3 }
            let std = (0..<runs[0].count).map { i in
                let m = mean[i]
                return (runs.map { ($0[i].erank - m) * ($0[i].erank - m) }.reduce(0, +) / 2).squareRoot()
            }
            let intervals = targets.enumerated().compactMap { r, t in
                Fixtures.interval(runs[1], target: t, tol: 0.1).map {
                    StaircaseData.Interval(rank: r + 1, start: Double($0.0), end: Double($0.1))
                }
            }
            return .init(
                label: "depth \(depth)", steps: runs[0].map { Double($0.step) }, mean: mean, std: std,
                intervals: intervals)
        }
        return StaircaseData(title: "Effective rank vs step", series: series, targets: targets)
    }

    static func make() -> ReportData {
        let depths = [2, 3, 4]
        let alphas = [0.05, 0.1, 0.2, 0.3]
        var lengths: [[Double?]] = []
        var groups: [PredictedVsMeasuredData.Group] = []
        let t2 = Fixtures.targets(lambda)[1]
        for depth in depths {
            var row: [Double?] = []
            var points: [Point] = []
            for alpha in alphas {
                let traj = Fixtures.trajectory(
                    lambda: lambda, depth: depth, alpha: alpha, eta: 0.02, steps: 4000, every: 10)
                let iv = Fixtures.interval(traj, target: t2, tol: 0.1)
                row.append(iv.map { Double($0.1 - $0.0) })
                if depth >= 3, let iv {
                    let predicted = 1 / (Double(depth - 2) * 0.02 * 5 * pow(alpha, Double(depth - 2)))
                    points.append(Point(predicted, Double(iv.0)))
                }
            }
            lengths.append(row)
            if !points.isEmpty { groups.append(.init(label: "depth \(depth)", points: points)) }
        }
        let heat = HeatmapData(
            title: "Mean interval length for r = 2", xLabel: "α", yLabel: "depth",
            xValues: alphas.map { String($0) }, yValues: depths.map(String.init), values: lengths,
            colorLabel: "interval length (steps)", logColor: true)
        let status = StatusData(
            title: "Run status by step size", xLabel: "η", categories: ["0.005", "0.01", "0.02", "0.04", "0.08"],
            statuses: ["finished", "converged", "diverged"],
            counts: [[5, 0, 0], [4, 1, 0], [2, 3, 0], [0, 2, 3], [0, 0, 5]])
        let sweep1 = SweepReport(
            name: "staircase", question: "Does the effective rank climb through erank(Y₁), erank(Y₂), …?",
            summary: [KeyValue("tasks", "9"), KeyValue("finished", "9"), KeyValue("compute", "0.4 s")],
            figures: [
                ReportFigure(
                    .staircase(staircase(depths: [3, 4], alpha: 0.05, eta: 0.02, steps: 3000)),
                    caption: "Mean over 3 seeds."),
                ReportFigure(.status(status), caption: "Fraction of runs per status."),
            ],
            tables: [
                ReportTable(
                    caption: "Intervals by rank (depth 3)", columns: ["rank", "target", "start", "end", "length"],
                    rows: [["1", "1.000", "230", "560", "330"], ["2", "1.890", "600", "1010", "410"]])
            ],
            specText:
                "name: staircase\nmethod: grid\nparameters:\n  depth: {values: [3, 4]}\n  seed: {values: [0, 1, 2]}\n")
        let sweep2 = SweepReport(
            name: "depth-amplification <&>", question: "Deeper and smaller init → longer plateaus?",
            summary: [KeyValue("tasks", "12")],
            figures: [
                ReportFigure(.heatmap(heat), caption: "Interval length for r = 2."),
                ReportFigure(
                    .predictedVsMeasured(
                        PredictedVsMeasuredData(title: "Switch-on of λ₂: measured vs predicted", groups: groups))),
            ],
            tables: [
                ReportTable(
                    caption: "Mean relative error of switch-on", columns: ["depth", "error"],
                    rows: groups.map { [$0.label, String(format: "%.1f%%", 100 * ($0.meanRelativeError ?? 0))] })
            ],
            specText: "name: depth-amplification\n# <script>alert(1)</script>\n")
        let meta = RunMetadata(
            generated: Date(timeIntervalSince1970: 1_795_000_000),
            entries: RunMetadata.environment(version: "0.1.0") + [KeyValue("store", "/tmp/demo.sqlite")])
        return ReportData(metadata: meta, sweeps: [sweep1, sweep2])
    }
}

extension DemoReport {
    /// A depth × α sweep as task records, from the fixture recursion (targets, intervals, predictions).
    static func records() -> SweepRecords {
        let targets = Fixtures.targets(lambda)
        var tasks: [TaskRecord] = []
        for depth in [2, 3, 4] {
            for alpha in [0.1, 0.2] {
                var c = SimulationConfig()
                c.depth = depth
                c.alpha = alpha
                c.eta = 0.005
                c.steps = 40000
                c.recordEvery = 20
                let traj = Fixtures.trajectory(
                    lambda: lambda, depth: depth, alpha: alpha, eta: 0.005, steps: 40000, every: 20)
                let intervals = targets.enumerated().map { r, t -> IntervalRecord in
                    let iv = Fixtures.interval(traj, target: t, tol: 0.1)
                    let predicted: Double? =
                        depth >= 3
                        ? 1 / (Double(depth - 2) * 0.005 * lambda[r] * pow(alpha, Double(depth - 2))) : nil
                    return IntervalRecord(
                        rank: r + 1, target: t, start: iv?.0, end: iv?.1, length: iv.map { $0.1 - $0.0 } ?? 0,
                        predictedStart: predicted)
                }
                tasks.append(
                    TaskRecord(
                        key: "d\(depth)a\(alpha)", config: c, status: "finished", finalLoss: 1e-12,
                        finalErank: traj.last!.erank,
                        steps: 40000, seconds: 0.01, intervals: intervals,
                        trajectory: traj.map { TrajectoryPoint(step: $0.step, loss: 0, erank: $0.erank, erankRatio: 1) }
                    ))
            }
        }
        return SweepRecords(
            name: "demo-depth-alpha", specText: "# Question: demo\nname: demo-depth-alpha\n", tasks: tasks)
    }
}
