import Factorization
import Foundation

extension SimulateCommand {
    /// The human-readable form of a `SimulationResult` (`dmfsweep simulate --format table`).
    enum Table {
        /// The most trajectory rows shown; longer trajectories are thinned evenly (first and last kept).
        static let maximumTrajectoryRows = 25

        static func render(_ r: SimulationResult, config: SimulationConfig) -> String {
            var lines: [String] = []
            lines.append(
                "status \(r.status.rawValue)   path \(r.path.rawValue)   steps \(r.steps)   "
                    + "seconds \(String(format: "%.3f", r.seconds))")
            var summary = "final loss \(sci(r.finalLoss))   final erank \(fixed(r.finalErank))"
            if let e = r.finalCleanError { summary += "   error to clean Y \(sci(e))" }
            lines.append(summary)
            // The recovery errors (README, Definitions) as the JSON output and `query --metric` have them.
            if let e = r.finalError {
                var recovery = "recovery error ‖W − Y_clean‖_F/‖Y_clean‖_F: final \(sci(e))"
                if let b = r.bestRecoveryError, let k = r.bestRecoveryStep {
                    recovery += ", best \(sci(b)) at step \(k)"
                }
                if let u = r.finalUnobservedError { recovery += "; unobserved entries: final \(sci(u))" }
                lines.append(recovery)
            }
            if let b = r.bestStep, let e = r.bestCleanError {
                lines.append(
                    "best step \(b) (error to clean Y \(sci(e)), "
                        + ((r.bestInsideInterval ?? false) ? "inside" : "outside") + " an interval)")
            }
            for measure in EffectiveRankMeasure.allCases {
                lines.append("")
                guard let m = r[measure] else {
                    lines.append("\(measure.rawValue) measure: not recorded")
                    continue
                }
                let definition = measure == .entropy ? "Roy–Vetterli exp(entropy)" : "‖W‖*/‖W‖op"
                lines.append("intervals, \(measure.rawValue) measure (\(definition)):")
                lines.append(
                    row(["r", "target", "start", "end", "length", "mid error", "pred start", "pred end"]))
                for iv in m.intervals {
                    let p = m.predicted.first { $0.rank == iv.rank }
                    lines.append(
                        row([
                            "\(iv.rank)", fixed(iv.target), iv.start.map(String.init) ?? "-",
                            iv.end.map(String.init) ?? "-",
                            "\(iv.length)", iv.middleError.map(sci) ?? "-",
                            p?.start.map { String(format: "%.0f", $0) } ?? "-",
                            p?.end.map { String(format: "%.0f", $0) } ?? "-",
                        ]))
                }
            }
            lines.append("")
            let noisy = r.trajectory.contains { $0.cleanError != nil }
            lines.append(row(["step", "loss", "erank", "nuc/op"] + (noisy ? ["clean error"] : [])))
            for t in thinned(r.trajectory) {
                lines.append(
                    row(
                        ["\(t.step)", sci(t.loss), fixed(t.erank), fixed(t.erankRatio)]
                            + (noisy ? [t.cleanError.map(sci) ?? "-"] : [])))
            }
            return lines.joined(separator: "\n")
        }

        static func thinned(_ points: [TrajectoryPoint]) -> [TrajectoryPoint] {
            guard points.count > maximumTrajectoryRows else { return points }
            let last = points.count - 1
            let picks = (0..<maximumTrajectoryRows).map { $0 * last / (maximumTrajectoryRows - 1) }
            return picks.map { points[$0] }
        }

        static func row(_ cells: [String]) -> String {
            cells.map { $0.count >= 11 ? $0 : String(repeating: " ", count: 11 - $0.count) + $0 }.joined(separator: " ")
        }

        static func sci(_ x: Double) -> String { String(format: "%.3e", x) }
        static func fixed(_ x: Double) -> String { String(format: "%.4f", x) }
    }
}
