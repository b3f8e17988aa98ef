/// A run prepared for stepping by hand, without recording: for benchmarks, which time the step
/// loop themselves (the core reads no clock).
public final class PreparedRun {
    private let engine: any DescentEngine

    init(engine: any DescentEngine) { self.engine = engine }

    /// One gradient-descent step: evaluates the loss at the current iterate, then descends.
    /// - Returns: the loss before the step.
    @discardableResult
    public func step() -> Double {
        let loss = engine.evaluate()
        engine.descend()
        return loss
    }
}

extension Simulation {
    /// Builds the instance and the solver of `config` on the path it selects (`auto` as in `run`),
    /// ready to step.
    /// - Parameter config: the configuration.
    /// - Returns: the prepared run.
    /// - Throws: `ParameterError` for an invalid configuration.
    public static func prepare(_ config: SimulationConfig) throws(ParameterError) -> PreparedRun {
        try config.validate()
        let path = resolvedPath(config)
        let instance = try ProblemInstance(config: config, needMatrices: path == .full)
        return PreparedRun(engine: try makeEngine(config, instance: instance, path: path))
    }

    /// Floating-point operations in the matrix products of one full-path step: `3(N−1) · 2n³`
    /// (N−1 prefix products, N−1 back-propagated products, N−1 factor updates).
    /// - Parameters:
    ///   - n: the matrix dimension.
    ///   - depth: the number of factors N.
    /// - Returns: the flop count (0 for N = 1).
    public static func matrixProductFlopsPerStep(n: Int, depth: Int) -> Double {
        FullPathSolver.flopsPerStep(n: n, depth: depth)
    }

    /// Floating-point operations in the matrix products of one full-path step of `config`, for its
    /// factor shapes: `3 · Σ_{j≥2} 2 d_j d_{j−1} n` (`3(N−1) · 2n³` for square factors).
    /// - Parameter config: a configuration.
    /// - Returns: the flop count (0 for N = 1).
    public static func matrixProductFlopsPerStep(_ config: SimulationConfig) -> Double {
        FullPathSolver.flopsPerStep(shapes: config.factorShapes, n: config.resolvedN)
    }
}
