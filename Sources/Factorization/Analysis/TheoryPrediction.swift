import Foundation

/// Predictions of the small-initialisation gradient-flow theory (README, "What theory predicts").
///
/// Under gradient flow with identity initialisation each product eigenvalue `w^N` of an estimation
/// problem follows `ẇ = w^{N−1}(λ − w^N)` from `w(0) = α`. A coordinate "switches on" when its
/// product eigenvalue reaches half its target, `w^N = λ/2`; in steps (time / η) that is
/// `k½(λ) = (1/η) ∫_α^{(λ/2)^{1/N}} dv / (v^{N−1}(λ − v^N))`.
public enum TheoryPrediction {
    /// Steps until the product eigenvalue for target `lambda` reaches `lambda / 2` under gradient flow.
    ///
    /// Computed exactly up to quadrature: the integrand splits as
    /// `1/(λ v^{N−1}) + v/(λ(λ − v^N))`; the first part has a closed form (a power for N ≥ 3, a
    /// logarithm for N = 2), the second is smooth and bounded on the range and is integrated with
    /// composite Simpson (512 panels, relative error far below 1e-8). N = 1 is `ln((λ−α)/(λ/2))`.
    /// - Parameters:
    ///   - lambda: the target eigenvalue.
    ///   - depth: N ≥ 1.
    ///   - alpha: the scale of one factor at initialisation (> 0).
    ///   - eta: the step size (> 0).
    /// - Returns: the step, 0 when the start is already past half of λ, `nil` when λ ≤ 0 (never switches on).
    public static func halfwayStep(lambda: Double, depth: Int, alpha: Double, eta: Double) -> Double? {
        guard lambda > 0, depth >= 1, alpha > 0, eta > 0 else { return nil }
        let n = Double(depth)
        let start = depth == 1 ? alpha : pow(alpha, n)
        guard start < lambda / 2 else { return 0 }
        if depth == 1 { return log((lambda - alpha) / (lambda / 2)) / eta }
        let w = pow(lambda / 2, 1 / n)
        let singular: Double
        if depth == 2 {
            singular = log(w / alpha) / lambda
        } else {
            singular = (pow(alpha, 2 - n) - pow(w, 2 - n)) / ((n - 2) * lambda)
        }
        let smooth = simpson(from: alpha, to: w, panels: 512) { v in v / (lambda - pow(v, n)) } / lambda
        return (singular + smooth) / eta
    }

    /// The closed-form switch-on estimate `k* ≈ 1 / ((N−2) η λ α^{N−2})` for N ≥ 3 (`nil` otherwise
    /// or for λ ≤ 0): the blow-up time of the small-init flow `ẇ = λ w^{N−1}`.
    /// - Parameters:
    ///   - lambda: the eigenvalue λ.
    ///   - depth: the number of factors N.
    ///   - alpha: the initialisation scale α.
    ///   - eta: the step size η.
    /// - Returns: the estimated step, or `nil`.
    public static func switchOnEstimate(lambda: Double, depth: Int, alpha: Double, eta: Double) -> Double? {
        guard depth >= 3, lambda > 0, alpha > 0, eta > 0 else { return nil }
        return 1 / (Double(depth - 2) * eta * lambda * pow(alpha, Double(depth - 2)))
    }

    /// The predicted interval for each r = 1…R: from the switch-on of the r-th largest eigenvalue to
    /// the switch-on of the (r+1)-th (`end` is `nil` for r = R: nothing switches on after it).
    /// - Parameters:
    ///   - sortedEigenvalues: the non-zero eigenvalues of Y, largest magnitude first.
    public static func intervals(sortedEigenvalues: [Double], depth: Int, alpha: Double, eta: Double)
        -> [PredictedInterval]
    {
        let k = sortedEigenvalues.map { halfwayStep(lambda: $0, depth: depth, alpha: alpha, eta: eta) }
        return k.indices.map { i in
            PredictedInterval(rank: i + 1, start: k[i], end: i + 1 < k.count ? k[i + 1] : nil)
        }
    }

    /// Composite Simpson rule on [a, b] with an even number of panels.
    static func simpson(from a: Double, to b: Double, panels: Int, _ f: (Double) -> Double) -> Double {
        let m = panels + panels % 2
        let h = (b - a) / Double(m)
        var sum = f(a) + f(b)
        for i in 1..<m { sum += (i % 2 == 1 ? 4 : 2) * f(a + Double(i) * h) }
        return sum * h / 3
    }
}
