/// The kind of recovery problem gradient descent solves (see README, "Definitions").
public enum ProblemKind: String, Codable, Sendable, CaseIterable {
    /// `L = ½‖W − Y‖_F²`.
    case estimation
    /// Gaussian measurements `y_i = ⟨A_i, Y⟩`, `L = ½ Σ (⟨A_i, W⟩ − y_i)²`.
    case sensing
    /// Observed entries Ω, `L = ½ Σ_Ω (W_ij − Y_ij)²`.
    case completion
}

/// How the factors are initialised; `alpha` is the scale of one factor.
public enum InitKind: String, Codable, Sendable, CaseIterable {
    /// `W_j(0) = α I`.
    case identity
    /// `W_j(0) = α Q_j`, `Q_j` Haar-random orthogonal.
    case orthogonal
    /// Entries i.i.d. `N(0, α²/n)`.
    case gaussian
}

/// What `alpha` scales: one factor, or the product of all N at initialisation.
public enum AlphaScope: String, Codable, Sendable, CaseIterable {
    /// `alpha` is the scale of one factor (the seed paper's convention; the product starts at `α^N`).
    case factor
    /// `alpha` is the scale of the product (Arora, Cohen, Hu, Luo 2019): every factor gets `α^(1/N)`.
    /// For `gaussian` the per-factor standard deviation becomes `α^(1/N)/√fan-in`, so that the product
    /// maps a vector x to one of expected squared norm `α² ‖x‖²` (each factor preserves it up to
    /// `α^(2/N)` in expectation).
    case product
}

/// Which solver computes the run.
public enum SolverPath: String, Codable, Sendable, CaseIterable {
    /// Spectral whenever it is exact, full otherwise.
    case auto
    /// Dense matrices and BLAS: every problem, every init.
    case full
    /// The exact scalar recursion: estimation, symmetric target, identity init only.
    case spectral
}

/// Every parameter of one simulation run: the `dmfsweep simulate` flags and the sweep-file parameters.
///
/// Optional fields mean "derived from the others" (documented per field). The parameter
/// registry (`SimulationConfig.parameters`) names, types and documents each field once, for the
/// CLI, the sweep files and the stable task keys alike.
public struct SimulationConfig: Codable, Sendable, Hashable {
    /// The problem kind.
    public var problem: ProblemKind = .estimation
    /// Matrix dimension; `nil` means the length of the spectrum.
    public var n: Int? = nil
    /// Number of factors N.
    public var depth: Int = 3
    /// Eigenvalues of the ground truth, padded with zeros up to `n`; `nil` means generated from
    /// `rank`/`decay`, or the default spectrum when `rank` is `nil` too.
    public var spectrum: [Double]? = nil
    /// Rank of a generated spectrum (used when `spectrum` is `nil`).
    public var rank: Int? = nil
    /// Ratio of consecutive eigenvalues of a generated spectrum.
    public var decay: Double = 0.5
    /// Standard deviation of the symmetric Gaussian noise added to the ground truth.
    public var noise: Double = 0
    /// Initialisation of the factors.
    public var initKind: InitKind = .identity
    /// Scale of one factor at initialisation.
    public var alpha: Double = 0.05
    /// Step size η.
    public var eta: Double = 0.02
    /// Number of gradient-descent updates.
    public var steps: Int = 3000
    /// Record loss and effective rank every this many steps (and always at the last step).
    public var recordEvery: Int = 10
    /// Tolerance of `|erank(W) − erank(Y_r)|` for the early-stopping intervals.
    public var tolerance: Double = 0.1
    /// Seed of the project's PRNG: ground truth, measurements, mask, init and noise.
    public var seed: UInt64 = 0
    /// Solver path.
    public var path: SolverPath = .auto
    /// Number of sensing measurements m; `nil` means derived from n and the rank (see README).
    public var measurements: Int? = nil
    /// Probability that an entry is observed (completion).
    public var observed: Double = 0.5
    /// Stop with status `converged` once the loss falls below this value.
    public var stopLoss: Double? = nil
    /// Rows of the target Y (`rows × n`); `nil` means `n` (a square target).
    public var rows: Int? = nil
    /// Whether Y is symmetric, `V diag(λ) Vᵀ` (square only); `false` draws `U diag(σ) Vᵀ` with
    /// independent Haar U and V, `spectrum` then holding the singular values.
    public var symmetric: Bool = true
    /// Hidden width d of the factorization (`W_1` d×n, `W_2…W_{N−1}` d×d, `W_N` rows×d); `nil`
    /// means `n` for a square target and `max(rows, n)` otherwise (`resolvedWidth`).
    public var width: Int? = nil
    /// What `alpha` is the scale of.
    public var alphaScope: AlphaScope = .factor
    /// The user's own target (rows×n); `nil` means drawn from the seed (`spectrum`, `symmetric`).
    /// It fixes `rows` and `n`; `spectrum`/`rank` are not used with it.
    public var target: MatrixValue? = nil
    /// The clean Y that the errors compare to when `target` is noisy; `nil` means `target` itself.
    public var clean: MatrixValue? = nil
    /// Completion: the observed entries (1) and the others (0), rows×n; `nil` means drawn from
    /// the seed with probability `observed`.
    public var mask: MatrixValue? = nil

    /// The default configuration (every parameter at its documented default).
    public init() {}

    /// The spectrum used when neither `spectrum` nor `rank` is given.
    public static let defaultSpectrum: [Double] = [10, 5, 2, 1, 0.5]
}
