import Foundation

/// Everything a configuration's seed determines about the problem: the ground truth, its noisy
/// version, the sensing operator or the completion mask. Built once per run, before any step.
///
/// The target Y is `rows × n`. Each random ingredient has its own stream (`RandomPurpose`), drawn
/// in a fixed order:
/// - symmetric (rows = n): V = `haarOrthogonal(n)` from the `truth` stream (QR of an n×n Gaussian,
///   column-major fill), `Y = V diag(λ) Vᵀ`;
/// - non-symmetric: U = `haarOrthogonal(rows)` then V = `haarOrthogonal(n)` from the `truth`
///   stream, `Y = Σ_{k < min(rows, n)} σ_k u_k v_kᵀ` (σ the resolved spectrum's first min(rows, n)
///   values: the singular values);
/// - noise: symmetric target: a symmetric S with `S_ij = S_ji ~ N(0, σ²)` for i ≤ j, drawn column
///   by column over the upper triangle (j = 0…n−1, i = 0…j); non-symmetric: i.i.d. `N(0, σ²)`
///   entries in column-major order; both from the `noise` stream, `Y_noisy = Y + S`;
/// - sensing: A (m × rows·n, entries N(0, 1/m)), drawn in A's column-major order from the
///   `measurements` stream; `y = A vec(Y_noisy)` where vec stacks columns (row i of A is the
///   measurement matrix A_i, column `a + b·rows` its entry (a, b));
/// - completion: entry (i, j) observed when a uniform draw (column-major order, `mask` stream) is < p,
///   unless a `mask` file gives Ω.
///
/// With a `target` file, Y is that matrix (plus noise if `noise` > 0), the clean Y is the `clean`
/// file or the target itself, and the truth (singular values, their bases, rank and the targets
/// `t_r`) comes from the thin SVD of the clean Y.
struct ProblemInstance {
    /// Rows of the target.
    let rows: Int
    /// Columns of the target (n).
    let n: Int
    /// The problem kind.
    let kind: ProblemKind
    /// Whether the target is symmetric (then `leftBasis` is `basis`).
    let symmetric: Bool
    /// The clean ground truth's spectrum (singular values when not symmetric) and targets.
    let truth: GroundTruth
    /// The right basis V (n×n), or `nil` when the run does not need it (spectral, noiseless).
    let basis: Matrix?
    /// The left basis U (rows×rows; V itself for a symmetric target), when `basis` is set.
    let leftBasis: Matrix?
    /// The clean Y (rows×n), when `basis` is set.
    let clean: Matrix?
    /// The target the loss uses: Y plus noise (equal to `clean` when σ = 0), when `basis` is set.
    let target: Matrix?
    /// Whether noise was added.
    let noisy: Bool
    /// Sensing: the m×(rows·n) measurement matrix and the measurements y.
    let sensing: (operator: Matrix, measurements: [Double])?
    /// Completion: 1 for observed entries, 0 otherwise (rows×n, column-major).
    let mask: [Double]?

    /// Builds the instance for `config`.
    /// - Parameter needMatrices: whether V, Y and the noisy target are needed as matrices (all
    ///   paths except the noiseless spectral one).
    /// - Throws: `ParameterError` (never for finite input) when LAPACK fails.
    init(config: SimulationConfig, needMatrices: Bool) throws(ParameterError) {
        n = config.resolvedN
        rows = config.resolvedRows
        kind = config.problem
        symmetric = config.symmetric
        let y: Matrix
        if let file = config.target {
            // The user's own instance: truth from the SVD of the clean matrix.
            y = config.clean?.matrix ?? file.matrix
            let svd = try Self.svd(y)
            truth = GroundTruth(eigenvalues: Self.numericallyNonZero(svd.values, rows: rows, columns: n))
            basis = svd.v
            leftBasis = svd.u
            noisy = config.clean != nil || config.noise > 0
        } else {
            truth = try Self.truth(of: config)
            noisy = config.noise > 0
            guard needMatrices || noisy || kind != .estimation else {
                basis = nil
                leftBasis = nil
                clean = nil
                target = nil
                sensing = nil
                mask = nil
                return
            }
            var truthStream = RandomStream(seed: config.seed, purpose: .truth)
            let u: Matrix
            let v: Matrix
            do {
                u = symmetric ? try truthStream.haarOrthogonal(n) : try truthStream.haarOrthogonal(rows)
                v = symmetric ? u : try truthStream.haarOrthogonal(n)
            } catch {
                throw ParameterError(
                    parameter: "seed", message: "\(error) while drawing the ground truth; try another seed")
            }
            basis = v
            leftBasis = u
            let k = truth.eigenvalues.count
            var scaled = u.block(rows: rows, columns: k)
            for j in 0..<k {
                for i in 0..<rows { scaled[i, j] *= truth.eigenvalues[j] }
            }
            var product = Matrix(rows: rows, columns: n)
            product.multiply(scaled, v.block(rows: n, columns: k), transposeB: true)
            if symmetric {
                // Symmetrize exactly: V diag(λ) Vᵀ is symmetric only up to rounding.
                for j in 0..<n {
                    for i in 0..<j {
                        let s = 0.5 * (product[i, j] + product[j, i])
                        product[i, j] = s
                        product[j, i] = s
                    }
                }
            }
            y = product
        }
        clean = y
        var noisyY = config.target?.matrix ?? y
        if config.noise > 0 {
            var stream = RandomStream(seed: config.seed, purpose: .noise)
            if symmetric {
                for j in 0..<n {
                    for i in 0...j {
                        let s = config.noise * stream.gaussian()
                        noisyY[i, j] += s
                        if i != j { noisyY[j, i] += s }
                    }
                }
            } else {
                for e in 0..<(rows * n) { noisyY.elements[e] += config.noise * stream.gaussian() }
            }
        }
        target = noisyY

        switch kind {
        case .estimation:
            sensing = nil
            mask = nil
        case .sensing:
            // Its size was checked by `SimulationConfig.checkResources()`.
            let m = config.resolvedMeasurements
            var stream = RandomStream(seed: config.seed, purpose: .measurements)
            let a = stream.gaussianMatrix(rows: m, columns: rows * n, std: 1 / Double(m).squareRoot())
            sensing = (a, a.times(noisyY.elements))
            mask = nil
        case .completion:
            if let file = config.mask {
                mask = file.matrix.elements
            } else {
                mask = CompletionMask(seed: config.seed, rows: rows, n: n, probability: config.observed).entries
            }
            sensing = nil
        }
    }

    /// The clean ground truth of `config` alone, without drawing any matrix (a target file's
    /// needs its SVD): what `init` puts in `truth`.
    /// - Parameter config: a configuration.
    /// - Returns: the spectrum, its order, rank and targets.
    /// - Throws: `ParameterError` when LAPACK fails on a target file (never for finite input).
    static func truth(of config: SimulationConfig) throws(ParameterError) -> GroundTruth {
        if let file = config.target {
            let values = try svd(config.clean?.matrix ?? file.matrix).values
            return GroundTruth(
                eigenvalues: numericallyNonZero(values, rows: config.resolvedRows, columns: config.resolvedN))
        }
        let values = config.resolvedSpectrum
        return GroundTruth(
            eigenvalues: config.symmetric
                ? values : Array(values.prefix(min(config.resolvedRows, config.resolvedN))))
    }

    /// The thin SVD of a target matrix, LAPACK's failure as a `ParameterError` on `target`.
    private static func svd(_ y: Matrix) throws(ParameterError) -> (u: Matrix, values: [Double], v: Matrix) {
        do {
            return try y.svd()
        } catch {
            throw ParameterError(parameter: "target", message: "\(error) on the target matrix")
        }
    }

    /// Singular values with those at or below `max(rows, n) · ε · σ_max` (LAPACK's numerical-rank
    /// threshold, as numpy's `matrix_rank`) set to 0, so rank(Y) of a file is its numerical rank.
    static func numericallyNonZero(_ values: [Double], rows: Int, columns: Int) -> [Double] {
        let largest = values.max() ?? 0
        let threshold = Double(max(rows, columns)) * Double.ulpOfOne * largest
        return values.map { $0 > threshold ? $0 : 0 }
    }

    /// The columns of V for λ_(1)…λ_(R) (n×R), in the order of `truth.order`.
    var truncationBasis: Matrix? { basis.map { Self.columns(of: $0, truth.order.prefix(truth.rank)) } }

    /// The columns of U for σ_(1)…σ_(R) (rows×R), in the order of `truth.order` (equal to
    /// `truncationBasis` for a symmetric target).
    var leftTruncationBasis: Matrix? { leftBasis.map { Self.columns(of: $0, truth.order.prefix(truth.rank)) } }

    private static func columns(of m: Matrix, _ indices: ArraySlice<Int>) -> Matrix {
        var out = Matrix(rows: m.rows, columns: indices.count)
        for (k, idx) in indices.enumerated() {
            for i in 0..<m.rows { out[i, k] = m[i, idx] }
        }
        return out
    }
}
