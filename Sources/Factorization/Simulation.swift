import Foundation

/// Runs one simulation: builds the problem and init from the seed, runs gradient descent on the
/// chosen path, records the trajectory and extracts the intervals.
public enum Simulation {
    /// Runs `config` to completion.
    /// - Returns: the result; a diverged run is a result with status `.diverged`, not an error.
    /// - Throws: `ParameterError` when the configuration is invalid (see `SimulationConfig.validate()`),
    ///   or the sensing operator would exceed the memory limit.
    public static func run(_ config: SimulationConfig) throws(ParameterError) -> SimulationResult {
        try config.validate()
        let start = DispatchTime.now().uptimeNanoseconds
        let path = resolvedPath(config)
        try checkMemory(config, path: path)
        let instance = try ProblemInstance(config: config, needMatrices: path == .full)
        let driver = DescentDriver(config: config, truth: instance.truth, noisy: instance.noisy)
        let engine: any DescentEngine = try makeEngine(config, instance: instance, path: path)
        let recording = driver.run(engine)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return driver.result(recording, path: path, seconds: seconds)
    }

    /// The path that runs for `config`: `auto` becomes `spectral` when it is exact, else `full`.
    public static func resolvedPath(_ config: SimulationConfig) -> SolverPath {
        switch config.path {
        case .auto: return config.spectralIsExact ? .spectral : .full
        case .full, .spectral: return config.path
        }
    }

    /// The most doubles the full path may hold (factors, prefixes and work matrices): 2.4 GB.
    public static let maximumFullPathEntries = 300_000_000

    /// Refuses a full-path run whose matrices would not fit (`(2N + 6)·n²` doubles).
    static func checkMemory(_ config: SimulationConfig, path: SolverPath) throws(ParameterError) {
        guard path == .full else { return }
        let n = config.resolvedN
        let (square, o1) = n.multipliedReportingOverflow(by: n)
        let (entries, o2) = square.multipliedReportingOverflow(by: 2 * config.depth + 6)
        if o1 || o2 || entries > maximumFullPathEntries {
            throw ParameterError(
                parameter: "n",
                message: "the full path needs (2·depth + 6)·n² doubles, more than \(maximumFullPathEntries) "
                    + "(2.4 GB) for n = \(n), depth = \(config.depth); use a smaller n or the spectral path")
        }
    }

    /// Builds the solver for `path`.
    static func makeEngine(_ config: SimulationConfig, instance: ProblemInstance, path: SolverPath)
        throws(ParameterError) -> any DescentEngine
    {
        if path == .spectral {
            do {
                return try SpectralSolver(instance: instance, alpha: config.alpha, depth: config.depth, eta: config.eta)
            } catch {
                throw ParameterError(parameter: "seed", message: "\(error) on the noisy target; try another seed")
            }
        }
        let initial = try Initialization.factors(
            config.initKind, n: instance.n, depth: config.depth, alpha: config.alpha, seed: config.seed)
        return FullPathSolver(instance: instance, initial: initial, eta: config.eta)
    }
}
