import Foundation

/// Everything a configuration's seed determines about the problem: the ground truth, its noisy
/// version, the sensing operator or the completion mask. Built once per run, before any step.
///
/// Each random ingredient has its own stream (`RandomPurpose`), drawn in a fixed order:
/// - V: `haarOrthogonal(n)` from the `truth` stream (QR of an n×n Gaussian, column-major fill);
/// - noise: a symmetric S with `S_ij = S_ji ~ N(0, σ²)` for i ≤ j, drawn column by column over the
///   upper triangle (j = 0…n−1, i = 0…j) from the `noise` stream, `Y_noisy = Y + S`;
/// - sensing: A (m × n², entries N(0, 1/m)), drawn in A's column-major order from the
///   `measurements` stream; `y = A vec(Y_noisy)` where vec stacks columns;
/// - completion: entry (i, j) observed when a uniform draw (column-major order, `mask` stream) is < p.
struct ProblemInstance {
    /// Dimension n.
    let n: Int
    /// The problem kind.
    let kind: ProblemKind
    /// The clean ground truth's spectrum and targets.
    let truth: GroundTruth
    /// The eigenbasis V (n×n), or `nil` when the run does not need it (spectral, noiseless).
    let basis: Matrix?
    /// The clean Y = V diag(λ) Vᵀ, when `basis` is set.
    let clean: Matrix?
    /// The target the loss uses: Y plus noise (equal to `clean` when σ = 0), when `basis` is set.
    let target: Matrix?
    /// Whether noise was added.
    let noisy: Bool
    /// Sensing: the m×n² measurement matrix and the measurements y.
    let sensing: (operator: Matrix, measurements: [Double])?
    /// Completion: 1 for observed entries, 0 otherwise (n×n, column-major).
    let mask: [Double]?

    /// Builds the instance for `config`.
    /// - Parameter needMatrices: whether V, Y and the noisy target are needed as matrices (all
    ///   paths except the noiseless spectral one).
    /// - Throws: `ParameterError` (never for finite input) when LAPACK fails.
    init(config: SimulationConfig, needMatrices: Bool) throws(ParameterError) {
        n = config.resolvedN
        kind = config.problem
        truth = GroundTruth(eigenvalues: config.resolvedSpectrum)
        noisy = config.noise > 0
        guard needMatrices || noisy || kind != .estimation else {
            basis = nil
            clean = nil
            target = nil
            sensing = nil
            mask = nil
            return
        }
        var truthStream = RandomStream(seed: config.seed, purpose: .truth)
        let v: Matrix
        do {
            v = try truthStream.haarOrthogonal(n)
        } catch {
            throw ParameterError(
                parameter: "seed", message: "\(error) while drawing the ground truth; try another seed")
        }
        basis = v
        var scaled = v
        for j in 0..<n {
            for i in 0..<n { scaled[i, j] *= truth.eigenvalues[j] }
        }
        var y = Matrix(rows: n, columns: n)
        y.multiply(scaled, v, transposeB: true)
        // Symmetrize exactly: V diag(λ) Vᵀ is symmetric only up to rounding.
        for j in 0..<n {
            for i in 0..<j {
                let s = 0.5 * (y[i, j] + y[j, i])
                y[i, j] = s
                y[j, i] = s
            }
        }
        clean = y
        var noisyY = y
        if noisy {
            var stream = RandomStream(seed: config.seed, purpose: .noise)
            for j in 0..<n {
                for i in 0...j {
                    let s = config.noise * stream.gaussian()
                    noisyY[i, j] += s
                    if i != j { noisyY[j, i] += s }
                }
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
            let a = stream.gaussianMatrix(rows: m, columns: n * n, std: 1 / Double(m).squareRoot())
            sensing = (a, a.times(noisyY.elements))
            mask = nil
        case .completion:
            mask = CompletionMask(seed: config.seed, n: n, probability: config.observed).entries
            sensing = nil
        }
    }

    /// The columns of V for λ_(1)…λ_(R) (n×R), in the order of `truth.order`.
    var truncationBasis: Matrix? {
        guard let basis else { return nil }
        var vr = Matrix(rows: n, columns: truth.rank)
        for (k, idx) in truth.order.prefix(truth.rank).enumerated() {
            for i in 0..<n { vr[i, k] = basis[i, idx] }
        }
        return vr
    }
}
