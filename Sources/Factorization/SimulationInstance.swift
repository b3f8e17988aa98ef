/// The matrices one run starts from, as `simulate --save-instance` writes them: enough to redo the
/// same gradient descent elsewhere (numpy) and compare.
public struct SimulationInstance: Sendable {
    /// The target the loss uses (rows × n; the clean Y plus noise).
    public var target: Matrix
    /// The clean ground truth Y (rows × n).
    public var clean: Matrix
    /// Completion: 1 for an observed entry, 0 otherwise (rows × n); else `nil`.
    public var mask: Matrix?
    /// Sensing: the m × (rows·n) operator; row i is vec(A_i), column `a + b·rows` its entry (a, b)
    /// (column-major vec, as `y = A vec(Y)`); else `nil`.
    public var sensingOperator: Matrix?
    /// Sensing: the measurements y (m × 1); else `nil`.
    public var measurements: Matrix?
    /// The initial factors, W_1 first (W_1 is d×n, W_N rows×d).
    public var factors: [Matrix]
}

extension Simulation {
    /// The instance `config` runs on the full path: its target, clean target, mask or operator and
    /// initial factors.
    /// - Parameter config: a configuration.
    /// - Returns: the instance.
    /// - Throws: `ParameterError` for an invalid configuration.
    public static func instance(_ config: SimulationConfig) throws(ParameterError) -> SimulationInstance {
        try config.validate()
        let p = try ProblemInstance(config: config, needMatrices: true)
        let factors = try Initialization.factors(
            config.initKind, shapes: config.factorShapes, scale: config.factorScale, seed: config.seed)
        return SimulationInstance(
            target: p.target!, clean: p.clean!,
            mask: p.mask.map { Matrix(rows: p.rows, columns: p.n, columnMajor: $0) },
            sensingOperator: p.sensing?.operator,
            measurements: p.sensing.map {
                Matrix(rows: $0.measurements.count, columns: 1, columnMajor: $0.measurements)
            },
            factors: factors)
    }
}
