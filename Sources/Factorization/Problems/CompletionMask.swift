/// The observation mask of a completion problem (rows×n, like the target): either the user's own
/// 0/1 matrix (`SimulationConfig.mask`, a mask file), or drawn from the seed, entry (i, j) being
/// observed when a uniform draw from the task seed's `mask` stream (column-major order) is below
/// `observed`.
///
/// The seed (or the file) fixes the mask before any step, so a degenerate one is known when the
/// sweep is expanded: a mask that observes no entry makes the loss zero from step 0 (nothing to
/// fit; refused by `SimulationConfig.validate()`), and a row or column without an observed entry
/// leaves those entries of the target unidentifiable (the task runs; `plan` warns and the store
/// records `unobserved_lines`).
public struct CompletionMask: Sendable, Hashable {
    /// Rows of the target.
    public let rows: Int
    /// Columns of the target (the dimension n).
    public let n: Int
    /// 1 for observed entries, 0 otherwise (rows×n, column-major), as the loss uses it.
    public let entries: [Double]
    /// How many of the rows·n entries are observed.
    public let observedEntries: Int
    /// Rows with no observed entry.
    public let unobservedRows: Int
    /// Columns with no observed entry.
    public let unobservedColumns: Int

    /// Draws the mask of a task.
    /// - Parameters:
    ///   - seed: the task's seed.
    ///   - rows: the target's rows (≥ 1); defaults to `n`.
    ///   - n: the target's columns (≥ 1).
    ///   - probability: the `observed` parameter, in (0, 1].
    public init(seed: UInt64, rows: Int? = nil, n: Int, probability: Double) {
        let rows = rows ?? n
        var stream = RandomStream(seed: seed, purpose: .mask)
        let entries = (0..<(rows * n)).map { _ in stream.uniform() < probability ? 1.0 : 0.0 }
        self.init(rows: rows, n: n, entries: entries)
    }

    /// A mask from its entries.
    /// - Parameters:
    ///   - rows: the target's rows.
    ///   - n: the target's columns.
    ///   - entries: rows·n values, column-major, 1 for observed (any non-zero counts as observed).
    public init(rows: Int, n: Int, entries: [Double]) {
        precondition(entries.count == rows * n, "a \(rows)×\(n) mask needs \(rows * n) entries")
        var rowSeen = [Bool](repeating: false, count: rows)
        var columnSeen = [Bool](repeating: false, count: n)
        var observed = 0
        for j in 0..<n {
            for i in 0..<rows where entries[i + j * rows] != 0 {
                rowSeen[i] = true
                columnSeen[j] = true
                observed += 1
            }
        }
        self.rows = rows
        self.n = n
        self.entries = entries
        observedEntries = observed
        unobservedRows = rowSeen.filter { !$0 }.count
        unobservedColumns = columnSeen.filter { !$0 }.count
    }

    /// The mask of `config` (its mask file if it has one, else drawn from its seed), or `nil`
    /// unless its problem is completion. A mask file of the wrong shape is refused by
    /// `validate()` before this is used; here it gives `nil`.
    public init?(_ config: SimulationConfig) {
        guard config.problem == .completion else { return nil }
        let (rows, n) = (config.resolvedRows, config.resolvedN)
        if let file = config.mask {
            guard file.matrix.rows == rows, file.matrix.columns == n else { return nil }
            self.init(rows: rows, n: n, entries: file.matrix.elements)
        } else {
            self.init(seed: config.seed, rows: rows, n: n, probability: config.observed)
        }
    }

    /// Rows plus columns with no observed entry (0 for a mask that covers every row and column).
    public var unobservedLines: Int { unobservedRows + unobservedColumns }
}
