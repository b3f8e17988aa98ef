import Foundation

/// Measurement hooks for the benchmark command (`dmfsweep-bench core`): the step loop alone,
/// without recording, on the path a configuration selects.
extension Simulation {
    /// The mean wall-clock seconds of one gradient-descent step (residual + update, no recording)
    /// for `config`, after `warmup` untimed steps. Setup (ground truth, factors) is not timed.
    /// - Parameters:
    ///   - config: the configuration; its `path` selects the solver (`auto` as in `run`).
    ///   - steps: the number of timed steps (≥ 1).
    ///   - warmup: untimed steps first (thread pools, caches).
    /// - Returns: the mean wall-clock seconds of one timed step.
    /// - Throws: `ParameterError` for an invalid configuration.
    public static func secondsPerStep(_ config: SimulationConfig, steps: Int, warmup: Int = 2) throws(ParameterError)
        -> Double
    {
        try config.validate()
        let path = resolvedPath(config)
        let instance = try ProblemInstance(config: config, needMatrices: path == .full)
        let engine = try makeEngine(config, instance: instance, path: path)
        var sink = 0.0
        for _ in 0..<warmup {
            sink += engine.evaluate()
            engine.descend()
        }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<max(steps, 1) {
            sink += engine.evaluate()
            engine.descend()
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        // Keep the losses observable so the loop cannot be optimised away.
        if sink.isNaN && steps < 0 { print(sink) }
        return elapsed / Double(max(steps, 1))
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
