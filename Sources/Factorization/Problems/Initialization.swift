/// The factors' initial values (README, "Definitions"), for factors of any shape `r × c`, with `s`
/// the scale of one factor (`SimulationConfig.factorScale`: α, or α^(1/N) when `alpha_scope` is
/// `product`):
/// - `identity`: `W_j(0) = s I_{r×c}`, the rectangular identity (ones on the main diagonal, zeros
///   elsewhere; the square identity when r = c);
/// - `orthogonal`: `W_j(0) = s Q`, Q the top-left r×c block of a Haar-random `max(r, c)`-square
///   orthogonal matrix (QR of a Gaussian with the sign fix): orthonormal columns when r ≥ c,
///   orthonormal rows when r ≤ c;
/// - `gaussian`: entries i.i.d. `N(0, s²/c)`, c the fan-in (the number of columns; n for square
///   factors).
///
/// Random factors come from the `initialisation` stream, W_1 first, each filled in column-major order.
enum Initialization {
    /// The N initial factors `W_1, …, W_N` (index 0 is W_1).
    /// - Parameters:
    ///   - kind: the initialisation.
    ///   - shapes: the factors' shapes, W_1 first (`SimulationConfig.factorShapes`).
    ///   - scale: the scale s of one factor.
    ///   - seed: the task seed.
    /// - Throws: `ParameterError` if LAPACK fails (it does not for finite input).
    static func factors(_ kind: InitKind, shapes: [(rows: Int, columns: Int)], scale: Double, seed: UInt64)
        throws(ParameterError) -> [Matrix]
    {
        var stream = RandomStream(seed: seed, purpose: .initialisation)
        var out: [Matrix] = []
        for (r, c) in shapes {
            switch kind {
            case .identity:
                var m = Matrix(rows: r, columns: c)
                for i in 0..<min(r, c) { m[i, i] = scale }
                out.append(m)
            case .orthogonal:
                let q: Matrix
                do {
                    q = try stream.haarOrthogonal(max(r, c))
                } catch {
                    throw ParameterError(
                        parameter: "seed", message: "\(error) while drawing the init; try another seed")
                }
                out.append(scale * q.block(rows: r, columns: c))
            case .gaussian:
                out.append(stream.gaussianMatrix(rows: r, columns: c, std: scale / Double(c).squareRoot()))
            }
        }
        return out
    }

    /// The square case: N factors n×n (for tests and benchmarks).
    static func factors(_ kind: InitKind, n: Int, depth: Int, alpha: Double, seed: UInt64) throws(ParameterError)
        -> [Matrix]
    {
        try factors(kind, shapes: Array(repeating: (n, n), count: depth), scale: alpha, seed: seed)
    }
}
