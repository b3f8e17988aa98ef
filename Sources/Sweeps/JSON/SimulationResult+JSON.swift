import Factorization

/// The `dmfsweep simulate` JSON object (README, "Output"): one object, keys in a fixed order,
/// numbers printed as the shortest text that reads back to the same `Double` in Swift's layout
/// (`JSONText.float`: reals keep a fraction, `1.0`, so typed readers see floats), never NaN or Inf
/// (a non-finite number would be written as `null`; the core never records one). Strings are
/// escaped by `JSONText.string`.
extension SimulationResult {
    /// The result as one JSON object.
    /// - Parameter includeTrajectory: whether to include the `trajectory` array.
    /// - Returns: the JSON text, on one line.
    public func json(includeTrajectory: Bool = true) -> String {
        var o = JSONObjectWriter()
        o.add("status", string: status.rawValue)
        o.add("path", string: path.rawValue)
        o.add("steps", int: steps)
        o.add("final_loss", finalLoss)
        o.add("final_erank", finalErank)
        o.add("final_clean_error", finalCleanError)
        o.add("final_error", finalError)
        o.add("final_unobserved_error", finalUnobservedError)
        o.add("best_recovery_error", bestRecoveryError)
        o.add("best_recovery_step", int: bestRecoveryStep)
        // The entropy measure's at the top level (as before version 5), the ratio measure's in `ratio`.
        Self.addRankIntervals(self[.entropy]!, to: &o)
        if let ratio {
            var m = JSONObjectWriter()
            Self.addRankIntervals(ratio, to: &m)
            o.add("ratio", raw: m.text)
        } else {
            o.add("ratio", raw: "null")
        }
        o.add("best_step", int: bestStep)
        o.add("best_clean_error", bestCleanError)
        o.add("best_inside_interval", raw: bestInsideInterval.map { $0 ? "true" : "false" } ?? "null")
        o.add("seconds", seconds)
        // Completion only, so the other problems' objects keep their keys.
        if let observedEntries { o.add("observed_entries", int: observedEntries) }
        if let unobservedLines { o.add("unobserved_lines", int: unobservedLines) }
        if includeTrajectory {
            o.add("trajectory", objects: trajectory) { t, e in
                e.add("step", int: t.step)
                e.add("loss", t.loss)
                e.add("erank", t.erank)
                e.add("erank_ratio", t.erankRatio)
                if let c = t.cleanError { e.add("clean_error", c) }
                if let c = t.error { e.add("error", c) }
                if let c = t.unobservedError { e.add("unobserved_error", c) }
                if let c = t.productNorm { e.add("product_norm", c) }
                if let c = t.unobservedMax { e.add("unobserved_max", c) }
            }
        }
        return o.text
    }

    /// `targets`, `intervals` and `predicted` of one measure.
    static func addRankIntervals(_ m: RankIntervals, to o: inout JSONObjectWriter) {
        o.add("targets", raw: "[" + m.targets.map(JSONText.float).joined(separator: ",") + "]")
        o.add("intervals", objects: m.intervals) { iv, e in
            e.add("rank", int: iv.rank)
            e.add("target", iv.target)
            e.add("start", int: iv.start)
            e.add("end", int: iv.end)
            e.add("length", int: iv.length)
            e.add("middle_error", iv.middleError)
        }
        o.add("predicted", objects: m.predicted) { p, e in
            e.add("rank", int: p.rank)
            e.add("start", p.start)
            e.add("end", p.end)
        }
    }
}
