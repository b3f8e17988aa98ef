/// The clean ground truth `Y = V diag(λ) Vᵀ` and its best low-rank approximations.
///
/// The ordering used for `Y_r` (best rank-r approximation) sorts the eigenvalues by magnitude,
/// largest first; equal magnitudes keep their given order.
public struct GroundTruth: Sendable {
    /// The eigenvalues λ as resolved from the configuration (given order, zero-padded to n).
    public let eigenvalues: [Double]
    /// Indices of `eigenvalues` by decreasing magnitude (a permutation of 0..<n).
    public let order: [Int]
    /// rank(Y): the number of non-zero eigenvalues.
    public let rank: Int
    /// `t_r = erank(Y_r)` for r = 1…rank.
    public let targets: [Double]

    /// The ground truth for a list of eigenvalues.
    public init(eigenvalues: [Double]) {
        self.eigenvalues = eigenvalues
        order = eigenvalues.indices.sorted { a, b in
            let (x, y) = (abs(eigenvalues[a]), abs(eigenvalues[b]))
            return x != y ? x > y : a < b
        }
        rank = eigenvalues.filter { $0 != 0 }.count
        let sorted = order.map { abs(eigenvalues[$0]) }
        targets = (0..<rank).map { r in EffectiveRank.royVetterli(sorted[0...r]) }
    }

    /// The non-zero eigenvalues, largest magnitude first (λ_(1), …, λ_(R)).
    public var sortedNonZero: [Double] { order.prefix(rank).map { eigenvalues[$0] } }

    /// `‖Y‖_F²`.
    public var squaredNorm: Double { eigenvalues.reduce(0) { $0 + $1 * $1 } }
}
