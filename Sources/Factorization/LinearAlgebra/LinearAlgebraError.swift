/// A LAPACK routine reported failure (non-zero `info`).
public struct LinearAlgebraError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The routine, e.g. `dgesdd`.
    public let routine: String
    /// LAPACK's `info`: negative = argument `-info` was illegal, positive = no convergence.
    public let info: Int

    /// Creates a value from its members (see the properties).
    public init(routine: String, info: Int) {
        self.routine = routine
        self.info = info
    }

    /// The routine, `info` and what it means.
    public var description: String {
        info < 0
            ? "LAPACK \(routine): argument \(-info) was illegal (a bug in dmfsweep; please report it)"
            : "LAPACK \(routine) did not converge (info \(info)); the matrix may contain NaN or Inf"
    }
}
