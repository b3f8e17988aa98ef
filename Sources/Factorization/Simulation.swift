/// Runs one simulation: builds the problem and init from the seed, runs gradient descent on the
/// chosen path, records the trajectory and extracts the intervals.
public enum Simulation {
    /// Runs `config` to completion. The core reads no clock: `seconds` is 0 here; the layer that
    /// runs tasks times them (`Simulation.timedRun`, module Cluster).
    /// - Parameter config: the run to do.
    /// - Returns: the result; a diverged run is a result with status `.diverged`, not an error.
    /// - Throws: `ParameterError` when the configuration is invalid or would not fit in memory
    ///   (see `SimulationConfig.validate()`).
    public static func run(_ config: SimulationConfig) throws(ParameterError) -> SimulationResult {
        try config.validate()
        let path = resolvedPath(config)
        let instance = try ProblemInstance(config: config, needMatrices: path == .full)
        let driver = DescentDriver(config: config, truth: instance.truth, noisy: instance.noisy)
        let engine: any DescentEngine = try makeEngine(config, instance: instance, path: path)
        let recording = driver.run(engine)
        var result = driver.result(recording, path: path, seconds: 0)
        if let mask = CompletionMask(config) {
            result.observedEntries = mask.observedEntries
            result.unobservedLines = mask.unobservedLines
        }
        return result
    }

    /// The path that runs for `config`: `auto` becomes `spectral` when it is exact, else `full`.
    /// - Parameter config: a configuration.
    /// - Returns: `spectral` or `full`, never `auto`.
    public static func resolvedPath(_ config: SimulationConfig) -> SolverPath {
        switch config.path {
        case .auto: return config.spectralIsExact ? .spectral : .full
        case .full, .spectral: return config.path
        }
    }

    /// Builds the solver for `path`.
    static func makeEngine(_ config: SimulationConfig, instance: ProblemInstance, path: SolverPath)
        throws(ParameterError) -> any DescentEngine
    {
        if path == .spectral {
            do {
                return try SpectralSolver(
                    instance: instance, alpha: config.factorScale, depth: config.depth, eta: config.eta)
            } catch {
                throw ParameterError(parameter: "seed", message: "\(error) on the noisy target; try another seed")
            }
        }
        let initial = try Initialization.factors(
            config.initKind, shapes: config.factorShapes, scale: config.factorScale, seed: config.seed)
        return FullPathSolver(instance: instance, initial: initial, eta: config.eta)
    }
}
