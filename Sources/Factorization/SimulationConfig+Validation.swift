import Foundation

extension SimulationConfig {
    /// The matrix dimension after defaults: `n`, or the length of the given/generated spectrum.
    public var resolvedN: Int {
        if let n { return n }
        if let spectrum { return spectrum.count }
        if let rank { return rank }
        return Self.defaultSpectrum.count
    }

    /// The eigenvalues of the (clean) ground truth, padded with zeros to `resolvedN`, in the order
    /// given. A generated spectrum is `λ_i = 10 · decay^(i−1)` for i = 1…rank.
    public var resolvedSpectrum: [Double] {
        let base: [Double]
        if let spectrum {
            base = spectrum
        } else if let rank {
            base = (0..<rank).map { 10 * pow(decay, Double($0)) }
        } else {
            base = Self.defaultSpectrum
        }
        let n = resolvedN
        return base.count >= n ? Array(base.prefix(n)) : base + Array(repeating: 0, count: n - base.count)
    }

    /// Whether the exact spectral fast path applies: estimation, identity init (the target is
    /// symmetric by construction, noisy or not).
    public var spectralIsExact: Bool { problem == .estimation && initKind == .identity }

    /// Checks every parameter's range, their combinations, that the run fits in memory
    /// (`checkResources()`), and that a completion mask observes at least one entry (`CompletionMask`).
    /// - Throws: `ParameterError` naming the first offending parameter and what is allowed.
    public func validate() throws(ParameterError) {
        func fail(_ p: String, _ m: String) -> ParameterError { ParameterError(parameter: p, message: m) }
        if let n, n < 1 { throw fail("n", "must be an integer ≥ 1, got \(n)") }
        if depth < 1 { throw fail("depth", "must be an integer ≥ 1, got \(depth)") }
        if let spectrum {
            if spectrum.isEmpty { throw fail("spectrum", "must list at least one eigenvalue") }
            if let bad = spectrum.first(where: { !$0.isFinite }) {
                throw fail("spectrum", "eigenvalues must be finite, got \(bad)")
            }
            if let n, spectrum.count > n {
                throw fail("spectrum", "has \(spectrum.count) eigenvalues but n is \(n)")
            }
        }
        if let rank {
            if rank < 1 { throw fail("rank", "must be an integer ≥ 1, got \(rank)") }
            if let n, rank > n { throw fail("rank", "must be ≤ n (\(n)), got \(rank)") }
            if spectrum != nil { throw fail("rank", "give either spectrum or rank/decay, not both") }
        }
        if !(decay > 0 && decay <= 1) { throw fail("decay", "must be in (0, 1], got \(decay)") }
        if !(noise >= 0) { throw fail("noise", "must be ≥ 0, got \(noise)") }
        if !(alpha > 0) { throw fail("alpha", "must be > 0, got \(alpha)") }
        // The initial product has scale α^N: beyond 1e100 its loss may overflow before step 0 is
        // recorded. Blamed on depth: alpha alone is valid at depth 1 (sweep files check single
        // values against the other parameters' defaults).
        if !(pow(alpha, Double(depth)) <= 1e100) {
            throw fail(
                "depth",
                "alpha^depth = \(alpha)^\(depth) exceeds 1e100 (the initial product's scale); "
                    + "use a smaller alpha or depth")
        }
        if !(eta > 0) { throw fail("eta", "must be > 0, got \(eta)") }
        if steps < 0 { throw fail("steps", "must be an integer ≥ 0, got \(steps)") }
        if recordEvery < 1 { throw fail("record_every", "must be an integer ≥ 1, got \(recordEvery)") }
        if !(tolerance > 0) { throw fail("tolerance", "must be > 0, got \(tolerance)") }
        if let measurements, measurements < 1 {
            throw fail("measurements", "must be an integer ≥ 1, got \(measurements)")
        }
        if !(observed > 0 && observed <= 1) { throw fail("observed", "must be in (0, 1], got \(observed)") }
        if let stopLoss, !(stopLoss > 0) { throw fail("stop_loss", "must be > 0, got \(stopLoss)") }
        if path == .spectral && !spectralIsExact {
            throw fail(
                "path",
                "spectral is exact only for problem estimation with init identity (got \(problem.rawValue), "
                    + "\(initKind.rawValue)); use full or auto")
        }
        try checkResources()
        if let mask = CompletionMask(self), mask.observedEntries == 0 {
            throw fail(
                "observed",
                "the completion mask of seed \(seed) observes none of the \(mask.n)×\(mask.n) entries (each kept "
                    + "with probability \(observed)): the loss is 0 from step 0 and there is nothing to fit; raise "
                    + "observed or n, or use another seed")
        }
    }
}
