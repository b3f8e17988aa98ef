/// Extraction of early-stopping intervals from a recorded trajectory (README, "Definitions").
public enum IntervalExtraction {
    /// A maximal run of consecutive recorded points, by index into the trajectory.
    public struct Run: Sendable, Hashable {
        /// Index of the run's first point.
        public var first: Int
        /// Index of the run's last point (inclusive).
        public var last: Int
    }

    /// The longest maximal run of consecutive points whose value is within `tolerance` of `target`
    /// (`|value − target| ≤ tolerance`).
    ///
    /// Runs are compared by their length in steps (`steps[last] − steps[first]`), then by the number
    /// of points; among equally long runs the **earliest** wins. A run of one point has length 0
    /// and still counts.
    /// - Parameters:
    ///   - values: the measure at each recorded point (effective rank).
    ///   - steps: the step of each recorded point, increasing; same count as `values`.
    ///   - target: the value to stay near.
    ///   - tolerance: the allowed distance.
    /// - Returns: the run, or `nil` when no point qualifies.
    public static func longestRun(values: [Double], steps: [Int], target: Double, tolerance: Double) -> Run? {
        precondition(values.count == steps.count, "values and steps differ in length")
        var best: Run? = nil
        var start: Int? = nil
        func consider(_ run: Run) {
            guard let b = best else {
                best = run
                return
            }
            let len = steps[run.last] - steps[run.first]
            let bestLen = steps[b.last] - steps[b.first]
            if len > bestLen || (len == bestLen && run.last - run.first > b.last - b.first) { best = run }
        }
        for i in values.indices {
            let inside = abs(values[i] - target) <= tolerance
            if inside {
                if start == nil { start = i }
            } else if let s = start {
                consider(Run(first: s, last: i - 1))
                start = nil
            }
        }
        if let s = start { consider(Run(first: s, last: values.count - 1)) }
        return best
    }

    /// The measured early-stopping interval for each r = 1…`targets.count`: the longest run of
    /// recorded points with `|value − t_r| ≤ tolerance` (`longestRun`), its first and last step and
    /// length, and the error to `Y_r` at the point nearest its middle.
    /// - Parameters:
    ///   - values: the effective rank (one measure) at each recorded point.
    ///   - steps: the recorded steps, increasing; as many as `values`.
    ///   - targets: `t_r` under the same measure, r = 1…R.
    ///   - tolerance: the allowed distance from the target.
    ///   - middleError: `‖W(k) − Y_r‖_F` for a point index and r, `nil` when not recorded.
    /// - Returns: R intervals, rank 1 first; an empty one (start and end `nil`, length 0) where
    ///   no point qualifies.
    public static func intervals(
        values: [Double], steps: [Int], targets: [Double], tolerance: Double,
        middleError: (_ index: Int, _ rank: Int) -> Double? = { _, _ in nil }
    ) -> [IntervalStat] {
        targets.indices.map { i in
            let r = i + 1
            let t = targets[i]
            guard let run = longestRun(values: values, steps: steps, target: t, tolerance: tolerance) else {
                return IntervalStat(rank: r, target: t, start: nil, end: nil, length: 0)
            }
            return IntervalStat(
                rank: r, target: t, start: steps[run.first], end: steps[run.last],
                length: steps[run.last] - steps[run.first],
                middleError: middleError(middleIndex(of: run, steps: steps), r))
        }
    }

    /// The index of the point of `run` whose step is nearest the run's middle step
    /// `(steps[first] + steps[last]) / 2`; on a tie the earlier point.
    /// - Parameters:
    ///   - run: a run of consecutive recorded points.
    ///   - steps: the step of each recorded point.
    /// - Returns: an index into `steps`, inside `run`.
    public static func middleIndex(of run: Run, steps: [Int]) -> Int {
        let twiceMiddle = steps[run.first] + steps[run.last]
        var best = run.first
        var bestDistance = Int.max
        for i in run.first...run.last {
            let d = abs(2 * steps[i] - twiceMiddle)
            if d < bestDistance {
                best = i
                bestDistance = d
            }
        }
        return best
    }
}
