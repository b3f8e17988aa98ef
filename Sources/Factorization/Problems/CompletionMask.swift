/// The observation mask of a completion problem: entry (i, j) of the n×n target is observed when a
/// uniform draw from the task seed's `mask` stream (column-major order) is below `observed`.
///
/// The seed fixes the mask before any step, so a degenerate one is known when the sweep is
/// expanded: a mask that observes no entry makes the loss zero from step 0 (nothing to fit; refused
/// by `SimulationConfig.validate()`), and a row or column without an observed entry leaves those
/// entries of the target unidentifiable (the task runs; `plan` warns and the store records
/// `unobserved_lines`).
public struct CompletionMask: Sendable, Hashable {
    /// Dimension n.
    public let n: Int
    /// 1 for observed entries, 0 otherwise (n×n, column-major), as the loss uses it.
    public let entries: [Double]
    /// How many of the n² entries are observed.
    public let observedEntries: Int
    /// Rows with no observed entry.
    public let unobservedRows: Int
    /// Columns with no observed entry.
    public let unobservedColumns: Int

    /// Draws the mask of a task.
    /// - Parameters:
    ///   - seed: the task's seed.
    ///   - n: the dimension (≥ 1).
    ///   - probability: the `observed` parameter, in (0, 1].
    public init(seed: UInt64, n: Int, probability: Double) {
        var stream = RandomStream(seed: seed, purpose: .mask)
        var entries = [Double](repeating: 0, count: n * n)
        var rowSeen = [Bool](repeating: false, count: n)
        var columnSeen = [Bool](repeating: false, count: n)
        var observed = 0
        for j in 0..<n {
            for i in 0..<n where stream.uniform() < probability {
                entries[i + j * n] = 1
                rowSeen[i] = true
                columnSeen[j] = true
                observed += 1
            }
        }
        self.n = n
        self.entries = entries
        observedEntries = observed
        unobservedRows = rowSeen.filter { !$0 }.count
        unobservedColumns = columnSeen.filter { !$0 }.count
    }

    /// The mask of `config`, or `nil` unless its problem is completion.
    public init?(_ config: SimulationConfig) {
        guard config.problem == .completion else { return nil }
        self.init(seed: config.seed, n: config.resolvedN, probability: config.observed)
    }

    /// Rows plus columns with no observed entry (0 for a mask that covers every row and column).
    public var unobservedLines: Int { unobservedRows + unobservedColumns }
}
