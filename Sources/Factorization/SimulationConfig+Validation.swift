import Foundation

extension SimulationConfig {
    /// The matrix dimension after defaults: `n`, or the length of the given/generated spectrum.
    /// The one place the dimensions are resolved: a target file fixes rows × n; otherwise `n` is
    /// `n`, or the length of the given spectrum, or `rank`, or the default spectrum's length.
    public var resolvedN: Int {
        if let target { return target.matrix.columns }
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

    /// Rows of the target after defaults: `rows`, or `n` (a square target).
    public var resolvedRows: Int { target?.matrix.rows ?? rows ?? resolvedN }

    /// Hidden width after defaults: `width`, else `n` for a square target and `max(rows, n)` for a
    /// rectangular one — no hidden layer is narrower than either side, so the identity init's
    /// product is the rows×n rectangular identity scaled and no factor bounds the rank below
    /// `min(rows, n)`.
    public var resolvedWidth: Int {
        if let width { return width }
        let (r, n) = (resolvedRows, resolvedN)
        return r == n ? n : max(r, n)
    }

    /// The shapes `(rows, columns)` of the factors `W_1 … W_N` (W_1 first): `W_1` is d×n, the
    /// hidden ones d×d and `W_N` rows×d, d the resolved width; depth 1 is one rows×n factor.
    public var factorShapes: [(rows: Int, columns: Int)] {
        let (r, n, d) = (resolvedRows, resolvedN, resolvedWidth)
        return (1...max(depth, 1)).map { j in (j == depth ? r : d, j == 1 ? n : d) }
    }

    /// The configuration with `rows` and `width` unset where they equal what they resolve to when
    /// unset (`rows = n`, `width` = its default), the way `n` written as its resolved value is the
    /// same task as `n` omitted: the canonical form and the store's columns use this, so writing a
    /// default out never changes a key.
    public var normalized: SimulationConfig {
        var c = self
        if let rows, rows == resolvedN { c.rows = nil }
        if let width {
            c.width = nil
            if width != c.resolvedWidth { c.width = width }
        }
        return c
    }

    /// The configuration as it identifies a task — the one place the resolution rule of the
    /// canonical form (docs/task-keys.md) and the store's columns is written: `n` is `resolvedN`;
    /// `spectrum` is `resolvedSpectrum` (padded with zeros to n) unless it is generated from
    /// `rank`/`decay` (then unset, so keys never depend on the platform's `pow`) or replaced by a
    /// target file (then unset too: the file is the instance, and `validate()` refuses a spectrum
    /// next to it, so the configuration rebuilt from the store's columns runs); `rows` and `width`
    /// are `normalized`.
    public var resolvedForKey: SimulationConfig {
        var c = normalized
        c.n = resolvedN
        c.spectrum = target != nil || (spectrum == nil && rank != nil) ? nil : resolvedSpectrum
        return c
    }

    /// The scale of one factor at initialisation: `alpha`, or `alpha^(1/N)` when `alpha_scope` is
    /// `product`.
    public var factorScale: Double {
        alphaScope == .factor ? alpha : pow(alpha, 1 / Double(max(depth, 1)))
    }

    /// Whether the target is square, the factors are n×n and the target symmetric: the setting of
    /// the seed paper, where its theory (predictions) applies.
    public var isSquareSymmetric: Bool {
        symmetric && target == nil && resolvedRows == resolvedN && resolvedWidth == resolvedN
    }

    /// Whether the exact spectral fast path applies: estimation, identity init, a square symmetric
    /// target (noisy or not) and n×n factors. Then every factor stays `V diag(w) Vᵀ`.
    /// (A target file is never run spectrally: its eigenbasis would first have to be computed.)
    public var spectralIsExact: Bool { problem == .estimation && initKind == .identity && isSquareSymmetric }

    /// Checks every parameter's own range (its registry entry's `range`, in registry order), then
    /// their combinations (`validateCombination()`).
    /// - Throws: `ParameterError` naming the first offending parameter and what is allowed.
    public func validate() throws(ParameterError) {
        for spec in Self.parameters where spec.validatesField { try spec.check(spec.read(self)) }
        try validateCombination()
    }

    /// The checks that involve more than one parameter — the one place for them: the user's files
    /// against the other parameters (`validateFiles()`), symmetry of a rectangular target, the
    /// spectrum and rank against the shape, the initial product's scale, the spectral path only
    /// where it is exact, that the run fits in memory (`checkResources()`), and that a completion
    /// mask observes at least one entry (`CompletionMask`). Each parameter's own range is its
    /// registry entry's (`ParameterSpec.range`), checked by `validate()` first.
    /// - Throws: `ParameterError` naming the parameter the message is about.
    func validateCombination() throws(ParameterError) {
        func fail(_ p: String, _ m: String) -> ParameterError { ParameterError(parameter: p, message: m) }
        try validateFiles()
        if symmetric && resolvedRows != resolvedN {
            throw fail(
                "symmetric",
                "a \(resolvedRows)×\(resolvedN) target cannot be symmetric; set symmetric: false (or rows = n)")
        }
        if let spectrum, let n, spectrum.count > n {
            throw fail("spectrum", "has \(spectrum.count) eigenvalues but n is \(n)")
        }
        if let rank {
            if let n, rank > n { throw fail("rank", "must be ≤ n (\(n)), got \(rank)") }
            if spectrum != nil { throw fail("rank", "give either spectrum or rank/decay, not both") }
        }
        let smaller = min(resolvedRows, resolvedN)
        if smaller < resolvedN {
            if let spectrum, spectrum.count > smaller {
                throw fail(
                    "spectrum",
                    "has \(spectrum.count) values but a \(resolvedRows)×\(resolvedN) target has "
                        + "\(smaller) singular values")
            }
            if let rank, rank > smaller { throw fail("rank", "must be ≤ min(rows, n) (\(smaller)), got \(rank)") }
        }
        if !symmetric, let bad = spectrum?.first(where: { $0 < 0 }) {
            throw fail("spectrum", "singular values of a non-symmetric target must be ≥ 0, got \(bad)")
        }
        // The initial product has scale α^N: beyond 1e100 its loss may overflow before step 0 is
        // recorded. Blamed on depth: alpha alone is valid at depth 1 (sweep files check single
        // values against the other parameters' defaults).
        if !(pow(factorScale, Double(depth)) <= 1e100) {
            throw fail(
                "depth",
                "alpha^depth = \(alpha)^\(depth) exceeds 1e100 (the initial product's scale); "
                    + "use a smaller alpha or depth")
        }
        if path == .spectral && !spectralIsExact {
            let reason: String
            if problem != .estimation || initKind != .identity {
                reason = "problem estimation with init identity (got \(problem.rawValue), \(initKind.rawValue))"
            } else if target != nil {
                reason = "a target drawn from the seed (got a target file)"
            } else if resolvedRows != resolvedN || resolvedWidth != resolvedN {
                reason =
                    "a square target with n×n factors (got rows \(resolvedRows), n \(resolvedN), "
                    + "width \(resolvedWidth))"
            } else {
                reason = "a symmetric target (got symmetric: false)"
            }
            throw fail("path", "spectral is exact only for \(reason); use full or auto")
        }
        try checkResources()
        if let mask = CompletionMask(self), mask.observedEntries == 0 {
            if self.mask != nil {
                throw fail(
                    "mask",
                    "observes none of the \(mask.rows)×\(mask.n) entries (all 0): the loss is 0 from step 0 and "
                        + "there is nothing to fit")
            }
            let size = mask.rows == mask.n ? "\(mask.n)×\(mask.n)" : "\(mask.rows)×\(mask.n)"
            throw fail(
                "observed",
                "the completion mask of seed \(seed) observes none of the \(size) entries (each kept "
                    + "with probability \(observed)): the loss is 0 from step 0 and there is nothing to fit; raise "
                    + "observed or n, or use another seed")
        }
    }

    /// Checks the user's own matrices (`target`, `clean`, `mask`) against the other parameters:
    /// shapes, symmetry when `symmetric` is true, a mask for completion only, and that the
    /// parameters they replace are not given too. (Each matrix's own content — finite, non-empty,
    /// a 0/1 mask — is its registry entry's `range`.)
    /// - Throws: `ParameterError` naming the parameter.
    func validateFiles() throws(ParameterError) {
        func fail(_ p: String, _ m: String) -> ParameterError { ParameterError(parameter: p, message: m) }
        func shape(_ m: Matrix) -> String { "\(m.rows)×\(m.columns)" }
        func checkSymmetric(_ name: String, _ m: Matrix) throws(ParameterError) {
            guard symmetric, m.rows == m.columns else { return }
            for j in 0..<m.columns {
                for i in 0..<j where m[i, j] != m[j, i] {
                    throw fail(
                        "symmetric",
                        "\(name) is not symmetric (entries (\(i + 1), \(j + 1)) and (\(j + 1), \(i + 1)) differ); "
                            + "set symmetric: false")
                }
            }
        }
        if let target {
            let m = target.matrix
            if let n, n != m.columns { throw fail("n", "is \(n) but the target has \(m.columns) columns; leave n out") }
            if let rows, rows != m.rows {
                throw fail("rows", "is \(rows) but the target has \(m.rows) rows; leave rows out")
            }
            if spectrum != nil { throw fail("spectrum", "is not used with a target file; leave it out") }
            if rank != nil { throw fail("rank", "is not used with a target file; leave it out") }
            try checkSymmetric("target", m)
        }
        if let clean {
            guard let target else { throw fail("clean", "needs a target file (clean is the target without noise)") }
            if clean.matrix.rows != target.matrix.rows || clean.matrix.columns != target.matrix.columns {
                throw fail("clean", "is \(shape(clean.matrix)) but the target is \(shape(target.matrix))")
            }
            try checkSymmetric("clean", clean.matrix)
        }
        if let mask {
            if problem != .completion { throw fail("mask", "is only for problem completion (got \(problem.rawValue))") }
            let m = mask.matrix
            if m.rows != resolvedRows || m.columns != resolvedN {
                throw fail("mask", "is \(shape(m)) but the target is \(resolvedRows)×\(resolvedN)")
            }
        }
    }
}
