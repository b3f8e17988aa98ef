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
    /// `t_r = erank(Y_r)` for r = 1…rank (Roy–Vetterli entropy effective rank).
    public let targets: [Double]
    /// `t_r = ‖Y_r‖_* / ‖Y_r‖_op = Σ_{i≤r} |λ_(i)| / |λ_(1)|` for r = 1…rank (the ratio measure).
    public let ratioTargets: [Double]

    /// The ground truth for a list of eigenvalues.
    /// - Parameter eigenvalues: the eigenvalues λ of Y, in any order.
    public init(eigenvalues: [Double]) {
        self.eigenvalues = eigenvalues
        order = eigenvalues.indices.sorted { a, b in
            let (x, y) = (abs(eigenvalues[a]), abs(eigenvalues[b]))
            return x != y ? x > y : a < b
        }
        rank = eigenvalues.filter { $0 != 0 }.count
        let magnitudes = order.prefix(rank).map { abs(eigenvalues[$0]) }
        targets = Self.nestedEffectiveRanks(magnitudes)
        ratioTargets = Self.nestedRatios(magnitudes)
    }

    /// The targets `t_r` (r = 1…rank) under one effective-rank measure.
    /// - Parameter measure: the measure.
    /// - Returns: `targets` or `ratioTargets`.
    public func targets(_ measure: EffectiveRankMeasure) -> [Double] {
        switch measure {
        case .entropy: return targets
        case .ratio: return ratioTargets
        }
    }

    /// `‖·‖_* / ‖·‖_op` of `s_1…s_r` for r = 1…count, magnitudes sorted decreasingly: the running
    /// sum of `s_i / s_1` (r = 1 gives exactly 1).
    static func nestedRatios(_ sorted: [Double]) -> [Double] {
        guard let largest = sorted.first, largest > 0 else { return sorted.map { _ in 0 } }
        var total = 0.0
        return sorted.map { s in
            total += s / largest
            return total
        }
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
