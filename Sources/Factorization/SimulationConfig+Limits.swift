/// Resource limits: configurations whose buffers would not fit are refused by `validate()`, so the
/// CLI reports them as bad input (exit 2) and sweep files at `file:line:column` before anything
/// runs, instead of a run trapping on an allocation (or an `Int` overflow) half-way through a sweep.
extension SimulationConfig {
    /// The most recorded steps one run may keep (`steps / record_every + 2`; about 50 bytes each).
    public static let maximumRecords = 10_000_000

    /// The most doubles the dense matrices of a run may hold (2.4 GB): the full path's factors,
    /// prefixes and work matrices (`(2N + 6)·n²`), or the noisy spectral path's eigendecomposition
    /// (`12·n²`).
    public static let maximumMatrixEntries = 300_000_000

    /// The largest dimension of any run (the spectral path keeps about a dozen length-n vectors).
    public static let maximumDimension = 10_000_000

    /// The largest m·n² the sensing operator may have (8 bytes each: 1.2 GB).
    public static let maximumSensingEntries = 150_000_000

    /// The default number of sensing measurements: `min(n², 5·n·max(rank, 1))`, rank the number of
    /// non-zero eigenvalues of the clean target.
    /// - Parameters:
    ///   - n: the matrix dimension.
    ///   - rank: the rank of the clean target.
    /// - Returns: the number of measurements m.
    public static func defaultMeasurements(n: Int, rank: Int) -> Int {
        let (square, o1) = n.multipliedReportingOverflow(by: n)
        let (linear, o2) = (5 * max(rank, 1)).multipliedReportingOverflow(by: n)
        if o1 { return o2 ? Int.max : linear }
        return o2 ? square : min(square, linear)
    }

    /// The default number of sensing measurements of a rows×n target: `min(rows·n, 5·max(rows, n)·max(rank, 1))`
    /// (for a square target the same as `defaultMeasurements(n:rank:)`).
    /// - Parameters:
    ///   - rows: the target's rows.
    ///   - n: the target's columns.
    ///   - rank: the rank of the clean target.
    /// - Returns: the number of measurements m.
    public static func defaultMeasurements(rows: Int, n: Int, rank: Int) -> Int {
        if rows == n { return defaultMeasurements(n: n, rank: rank) }
        let (entries, o1) = rows.multipliedReportingOverflow(by: n)
        let (linear, o2) = (5 * max(rank, 1)).multipliedReportingOverflow(by: max(rows, n))
        if o1 { return o2 ? Int.max : linear }
        return o2 ? entries : min(entries, linear)
    }

    /// The number of sensing measurements after defaults.
    /// (With a target file its rank counts as `min(rows, n)`.)
    public var resolvedMeasurements: Int {
        let rank = target != nil ? min(resolvedRows, resolvedN) : resolvedSpectrum.filter { $0 != 0 }.count
        return measurements ?? Self.defaultMeasurements(rows: resolvedRows, n: resolvedN, rank: rank)
    }

    /// The doubles the full path holds for a general shape (factors, prefixes, residual, two work
    /// matrices, targets, mask and the truncation bases), as a `Double` so it cannot overflow.
    var fullPathEntries: Double {
        let (r, n) = (Double(resolvedRows), Double(resolvedN))
        let shapes = factorShapes
        let factors = shapes.reduce(0.0) { $0 + Double($1.rows) * Double($1.columns) }
        let prefixes = shapes.dropFirst().reduce(0.0) { $0 + Double($1.rows) * n }
        let widest = Double(shapes.map { max($0.rows, $0.columns) }.max() ?? 1)
        return factors + prefixes + 2 * widest * n + 4 * r * n + 2 * (r + n) * min(r, n)
    }

    /// Refuses configurations that would not fit in memory (called by `validate()` after the
    /// range checks, so every field is in range here).
    /// - Throws: `ParameterError` naming the parameter to change.
    func checkResources() throws(ParameterError) {
        func fail(_ p: String, _ m: String) -> ParameterError { ParameterError(parameter: p, message: m) }
        let n = resolvedN
        if n > Self.maximumDimension {
            throw fail("n", "must be ≤ \(Self.maximumDimension), got \(n)")
        }
        if let spectrum {
            let squaredNorm = spectrum.reduce(0) { $0 + $1 * $1 }
            if !squaredNorm.isFinite {
                throw fail("spectrum", "eigenvalues too large: ‖Y‖_F² overflows a double; keep them below 1e150")
            }
        }
        // At most steps/record_every + 2 records (0, r, 2r, …, and the last step); no overflow.
        let records = steps / recordEvery
        if records > Self.maximumRecords - 2 {
            throw fail(
                "record_every",
                "\(steps) steps recorded every \(recordEvery) would keep \(records) records, more than "
                    + "\(Self.maximumRecords); use a larger record_every")
        }
        let full = path == .full || (path == .auto && !spectralIsExact)
        let rectangular = resolvedRows != n || resolvedWidth != n
        if rectangular {
            if resolvedRows > Self.maximumDimension || resolvedWidth > Self.maximumDimension {
                throw fail(
                    resolvedRows > Self.maximumDimension ? "rows" : "width",
                    "must be ≤ \(Self.maximumDimension), got \(max(resolvedRows, resolvedWidth))")
            }
            if fullPathEntries > Double(Self.maximumMatrixEntries) {
                throw fail(
                    "width",
                    "the full path needs about \(Int(fullPathEntries)) doubles for rows = \(resolvedRows), n = \(n), "
                        + "width = \(resolvedWidth), depth = \(depth), more than \(Self.maximumMatrixEntries) "
                        + "(2.4 GB); use smaller dimensions")
            }
        } else if full || noise > 0 {
            let (twice, o0) = depth.multipliedReportingOverflow(by: 2)
            let perSquare = full ? twice &+ 6 : 12
            let (square, o1) = n.multipliedReportingOverflow(by: n)
            let (entries, o2) = square.multipliedReportingOverflow(by: perSquare)
            if o0 || perSquare < 0 || o1 || o2 || entries > Self.maximumMatrixEntries {
                let what =
                    full
                    ? "the full path needs (2·depth + 6)·n² doubles"
                    : "a noisy target needs 12·n² doubles (its eigenvectors)"
                throw fail(
                    "n",
                    "\(what), more than \(Self.maximumMatrixEntries) (2.4 GB) for n = \(n), depth = \(depth); "
                        + "use a smaller n" + (full ? " or the spectral path" : ""))
            }
        }
        if problem == .sensing {
            let m = resolvedMeasurements
            let (entries, overflow) = m.multipliedReportingOverflow(by: resolvedRows * n)
            if overflow || entries > Self.maximumSensingEntries {
                throw fail(
                    "measurements",
                    "m·rows·n = \(m)·\(resolvedRows * n) entries exceed the limit of \(Self.maximumSensingEntries) (1.2 GB); "
                        + "use fewer measurements or a smaller n")
            }
        }
    }
}
