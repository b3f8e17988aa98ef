import Factorization
import Foundation

extension Simulation {
    /// Runs `config` (`Simulation.run`) and records its wall-clock seconds in `seconds` — the
    /// numerical core itself reads no clock.
    /// - Parameter config: the run to do.
    /// - Returns: the result with `seconds` set.
    /// - Throws: `ParameterError` for an invalid configuration.
    public static func timedRun(_ config: SimulationConfig) throws(ParameterError) -> SimulationResult {
        let start = DispatchTime.now().uptimeNanoseconds
        var result = try run(config)
        result.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return result
    }
}
