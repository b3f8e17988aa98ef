/// Runs one simulation: builds the problem and init from the seed, runs gradient descent on the
/// chosen path, records the trajectory and extracts the intervals.
public enum Simulation {
    /// Runs `config` to completion.
    /// - Returns: the result; a diverged run is a result with status `.diverged`, not an error.
    /// - Throws: `ParameterError` when the configuration is invalid (see `SimulationConfig.validate()`).
    public static func run(_ config: SimulationConfig) throws(ParameterError) -> SimulationResult {
        // SKELETON: replaced by the numerical core (issue 3).
        throw ParameterError(parameter: "path", message: "not implemented yet")
    }
}
