/// The factors' initial values (README, "Definitions"):
/// - `identity`: `W_j(0) = α I`;
/// - `orthogonal`: `W_j(0) = α Q_j`, Q_j Haar-random (QR of a Gaussian with the sign fix);
/// - `gaussian`: entries of each `W_j` i.i.d. `N(0, α²/n)`.
///
/// Random factors come from the `initialisation` stream, W_1 first, each filled in column-major order.
enum Initialization {
    /// The N initial factors `W_1, …, W_N` (index 0 is W_1).
    /// - Throws: `ParameterError` if LAPACK fails (it does not for finite input).
    static func factors(_ kind: InitKind, n: Int, depth: Int, alpha: Double, seed: UInt64) throws(ParameterError)
        -> [Matrix]
    {
        var stream = RandomStream(seed: seed, purpose: .initialisation)
        var out: [Matrix] = []
        for _ in 0..<depth {
            switch kind {
            case .identity:
                out.append(Matrix.identity(n, scale: alpha))
            case .orthogonal:
                do {
                    out.append(alpha * (try stream.haarOrthogonal(n)))
                } catch {
                    throw ParameterError(
                        parameter: "seed", message: "\(error) while drawing the init; try another seed")
                }
            case .gaussian:
                out.append(stream.gaussianMatrix(rows: n, columns: n, std: alpha / Double(n).squareRoot()))
            }
        }
        return out
    }
}
