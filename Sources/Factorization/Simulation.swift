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

extension Simulation {
    /// The clean ground truth of `config` — spectrum, rank(Y) and the targets `t_r` under both
    /// measures — without running anything (a target file's truth needs its SVD).
    /// - Parameter config: a configuration (not validated here).
    /// - Returns: the ground truth a run of `config` uses.
    /// - Throws: `ParameterError` when LAPACK fails on a target file.
    public static func groundTruth(_ config: SimulationConfig) throws(ParameterError) -> GroundTruth {
        try ProblemInstance.truth(of: config)
    }

    /// The theory's predicted interval for each r = 1…rank(Y) (`TheoryPrediction.intervals`).
    ///
    /// The predictions are switch-on steps of the eigenvalues, a property of the spectrum's
    /// dynamics and not of the effective-rank measure, so both measures carry the same ones. The
    /// small-init gradient-flow theory assumes a square symmetric target with n×n factors
    /// (`isSquareSymmetric`); elsewhere every prediction is null (start and end `nil`).
    /// - Parameters:
    ///   - config: the run's configuration.
    ///   - truth: its ground truth.
    /// - Returns: one prediction per r.
    public static func predictions(_ config: SimulationConfig, truth: GroundTruth) -> [PredictedInterval] {
        guard config.isSquareSymmetric else {
            return (0..<truth.rank).map { PredictedInterval(rank: $0 + 1, start: nil, end: nil) }
        }
        return TheoryPrediction.intervals(
            sortedEigenvalues: truth.sortedNonZero, depth: config.depth, alpha: config.factorScale, eta: config.eta)
    }
}
