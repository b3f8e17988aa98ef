import Foundation

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
    /// - Parameter eigenvalues: the eigenvalues λ of Y, in any order.
    public init(eigenvalues: [Double]) {
        self.eigenvalues = eigenvalues
        order = eigenvalues.indices.sorted { a, b in
            let (x, y) = (abs(eigenvalues[a]), abs(eigenvalues[b]))
            return x != y ? x > y : a < b
        }
        rank = eigenvalues.filter { $0 != 0 }.count
        targets = Self.nestedEffectiveRanks(order.prefix(rank).map { abs(eigenvalues[$0]) })
    }

    /// `erank(s_1…s_r)` for r = 1…count of magnitudes sorted decreasingly, in O(count): with
    /// `x_i = s_i / s_1 ∈ (0, 1]`, `S_r = Σ x_i` and `T_r = Σ x_i log x_i ≤ 0`, the entropy is
    /// `log S_r − T_r / S_r` (two non-negative terms: no cancellation; r = 1 gives exactly 0).
    static func nestedEffectiveRanks(_ sorted: [Double]) -> [Double] {
        guard let largest = sorted.first, largest > 0 else { return sorted.map { _ in 0 } }
        var out: [Double] = []
        out.reserveCapacity(sorted.count)
        var total = 0.0
        var weighted = 0.0
        for s in sorted {
            let x = s / largest
            total += x
            if x > 0 { weighted += x * log(x) }
            out.append(exp(log(total) - weighted / total))
        }
        return out
    }

    /// The non-zero eigenvalues, largest magnitude first (λ_(1), …, λ_(R)).
    public var sortedNonZero: [Double] { order.prefix(rank).map { eigenvalues[$0] } }

    /// `‖Y‖_F²`.
    public var squaredNorm: Double { eigenvalues.reduce(0) { $0 + $1 * $1 } }
}
