/// The exact spectral fast path: estimation, symmetric target, identity initialisation.
///
/// Every factor stays `U diag(w) Uᵀ` in the eigenbasis U of the (possibly noisy) target with
/// eigenvalues μ, and each coordinate follows the scalar recursion
/// `w_i ← w_i − η w_i^{N−1} (w_i^N − μ_i)`; the product's eigenvalues are `d_i = w_i^N`, its singular
/// values `|d_i|`, and the loss `½ Σ (d_i − μ_i)²`. O(n) per step.
///
/// Clean error and projections: without noise U = V and μ = λ, so `‖W − Y‖² = Σ (d_i − λ_i)²` and
/// `q_k = d_(k)`. With noise, `C = Uᵀ Y U` is precomputed once: `‖W − Y‖² = off(C) + Σ (d_i − C_ii)²`
/// with `off(C) = Σ_{i≠j} C_ij²`, and `q_k = Σ_i d_i (u_i·v_k)²`.
final class SpectralSolver: DescentEngine {
    let dimension: Int
    let depth: Int
    var eta: Double
    private let w: UnsafeMutablePointer<Double>
    private let mu: UnsafeMutablePointer<Double>
    private let d: UnsafeMutablePointer<Double>
    private let power: UnsafeMutablePointer<Double>  // w^{N−1}
    private let residual: UnsafeMutablePointer<Double>  // d − μ
    private let cleanDiagonal: UnsafeMutablePointer<Double>  // λ_i, or C_ii with noise
    private let offDiagonal: Double
    private let rank: Int
    private let weights: UnsafeMutablePointer<Double>  // n×R: (u_i·v_k)² with noise; 1 entry without
    /// The number of projection weights held: n·R with noise, 0 without (for tests).
    let projectionWeightCount: Int
    private let order: [Int]
    private let noisy: Bool
    let cleanNormSquared: Double
    let unobservedNormSquared: Double? = nil

    /// - Parameters:
    ///   - instance: the problem (estimation); with noise it must carry the matrices.
    ///   - alpha, depth, eta: the run's parameters.
    /// - Throws: `LinearAlgebraError` if the noisy target's eigendecomposition fails.
    init(instance: ProblemInstance, alpha: Double, depth: Int, eta: Double) throws(LinearAlgebraError) {
        let n = instance.n
        dimension = n
        self.depth = depth
        self.eta = eta
        rank = instance.truth.rank
        order = instance.truth.order
        noisy = instance.noisy
        cleanNormSquared = instance.truth.squaredNorm
        w = .allocate(capacity: max(n, 1))
        mu = .allocate(capacity: max(n, 1))
        d = .allocate(capacity: max(n, 1))
        power = .allocate(capacity: max(n, 1))
        residual = .allocate(capacity: max(n, 1))
        cleanDiagonal = .allocate(capacity: max(n, 1))
        // Only a noisy target needs the n×R weights; without noise they would be O(n·R) memory
        // (gigabytes for a full-rank spectrum) on a path that is otherwise O(n).
        projectionWeightCount = instance.noisy ? n * instance.truth.rank : 0
        weights = .allocate(capacity: max(projectionWeightCount, 1))
        w.initialize(repeating: alpha, count: n)
        d.initialize(repeating: 0, count: n)
        power.initialize(repeating: 0, count: n)
        residual.initialize(repeating: 0, count: n)
        if noisy, let target = instance.target, let clean = instance.clean, let v = instance.truncationBasis {
            let (values, u) = try target.symmetricEigen()
            mu.initialize(from: values, count: n)
            // C = Uᵀ Y U, its diagonal and off-diagonal mass.
            var yu = Matrix(rows: n, columns: n)
            yu.multiply(clean, u)
            var c = Matrix(rows: n, columns: n)
            c.multiply(u, yu, transposeA: true)
            var off = 0.0
            for j in 0..<n {
                for i in 0..<n where i != j { off += c[i, j] * c[i, j] }
                cleanDiagonal[j] = c[j, j]
            }
            offDiagonal = off
            // (u_i · v_k)² for k < R.
            var uv = Matrix(rows: n, columns: rank)
            uv.multiply(u, v, transposeA: true)
            for k in 0..<projectionWeightCount { weights[k] = uv.elements[k] * uv.elements[k] }
        } else {
            mu.initialize(from: instance.truth.eigenvalues, count: n)
            cleanDiagonal.initialize(from: instance.truth.eigenvalues, count: n)
            offDiagonal = 0
            weights.initialize(to: 0)
        }
    }

    deinit {
        for p in [w, mu, d, power, residual, cleanDiagonal, weights] { p.deallocate() }
    }

    /// The factor eigenvalues w (for tests).
    var factorEigenvalues: [Double] { Array(UnsafeBufferPointer(start: w, count: dimension)) }

    /// The target eigenvalues μ in the order the solver uses (for tests).
    var targetEigenvalues: [Double] { Array(UnsafeBufferPointer(start: mu, count: dimension)) }

    func evaluate() -> Double {
        var loss = 0.0
        let exponent = depth - 1
        for i in 0..<dimension {
            let wi = w[i]
            var p = 1.0
            for _ in 0..<exponent { p *= wi }
            let di = p * wi
            let r = di - mu[i]
            power[i] = p
            d[i] = di
            residual[i] = r
            loss += r * r
        }
        return 0.5 * loss
    }

    func descend() {
        let step = eta
        for i in 0..<dimension { w[i] -= step * (power[i] * residual[i]) }
    }

    func singularValues(into values: UnsafeMutableBufferPointer<Double>) -> Bool {
        for i in 0..<dimension { values[i] = abs(d[i]) }
        return true
    }

    func cleanErrorSquared() -> Double {
        var sum = offDiagonal
        for i in 0..<dimension {
            let e = d[i] - cleanDiagonal[i]
            sum += e * e
        }
        return sum
    }

    func unobservedErrorSquared() -> Double? { nil }

    func unobservedMaximum() -> Double? { nil }

    func truncationProjections(into q: UnsafeMutableBufferPointer<Double>) {
        if noisy {
            for k in 0..<rank {
                var s = 0.0
                let col = weights + k * dimension
                for i in 0..<dimension { s += d[i] * col[i] }
                q[k] = s
            }
        } else {
            for k in 0..<rank { q[k] = d[order[k]] }
        }
    }
}
