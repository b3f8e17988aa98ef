/// Whether a run's effective rank increases monotonically after its initial descent — the seed
/// paper's claim that, apart from a few initial steps, it does (Chou et al., arXiv:2011.13772).
///
/// Definitions, over the recorded steps `k₀ < k₁ < …` with values `v₀, v₁, …`:
/// - a **fall** at i ≥ 1 is `v_i < v_{i−1} − tolerance`;
/// - the **initial descent** ends at the first recorded step where v attains its minimum;
/// - `rankDrops` counts the falls after the initial descent (0: monotone after the initial drop);
/// - `monotoneFrom` is the first recorded step after which no fall happens: `k₀` when there is
///   none, the step of the last fall otherwise, and `nil` when the last recorded step is itself a
///   fall (the recording ends before the measure settles) or nothing was recorded.
/// Non-finite values never count as falls (a diverged run's last step is not recorded anyway).
public struct RankMonotonicity: Sendable, Hashable {
    /// The first recorded step after which the measure never falls by more than the tolerance.
    public var monotoneFrom: Int?
    /// Falls after the initial descent.
    public var rankDrops: Int

    /// Creates a value from its members (see the properties).
    public init(monotoneFrom: Int?, rankDrops: Int) {
        self.monotoneFrom = monotoneFrom
        self.rankDrops = rankDrops
    }

    /// Measures a recorded trajectory of one effective-rank measure.
    /// - Parameters:
    ///   - values: the measure at each recorded step.
    ///   - steps: the recorded steps, increasing; as many as `values`.
    ///   - tolerance: the largest decrease between consecutive recorded steps that is not a fall
    ///     (the sweep's interval `tolerance`).
    /// - Returns: `monotoneFrom` and `rankDrops` as defined above.
    public static func measure(values: [Double], steps: [Int], tolerance: Double) -> RankMonotonicity {
        precondition(values.count == steps.count, "values and steps differ in length")
        guard !values.isEmpty else { return RankMonotonicity(monotoneFrom: nil, rankDrops: 0) }
        var minimumAt = 0
        for i in values.indices where values[i] < values[minimumAt] { minimumAt = i }
        var lastFall: Int? = nil
        var drops = 0
        for i in values.indices.dropFirst() where values[i] < values[i - 1] - tolerance {
            lastFall = i
            if i > minimumAt { drops += 1 }
        }
        let from: Int?
        switch lastFall {
        case nil: from = steps[0]
        case let i? where i == values.count - 1: from = nil
        case let i?: from = steps[i]
        }
        return RankMonotonicity(monotoneFrom: from, rankDrops: drops)
    }
}
