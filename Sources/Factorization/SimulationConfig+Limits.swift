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

    /// The number of sensing measurements after defaults.
    public var resolvedMeasurements: Int {
        measurements ?? Self.defaultMeasurements(n: resolvedN, rank: resolvedSpectrum.filter { $0 != 0 }.count)
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
        if full || noise > 0 {
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
            let (entries, overflow) = m.multipliedReportingOverflow(by: n * n)
            if overflow || entries > Self.maximumSensingEntries {
                throw fail(
                    "measurements",
                    "m·n² = \(m)·\(n * n) entries exceed the limit of \(Self.maximumSensingEntries) (1.2 GB); "
                        + "use fewer measurements or a smaller n")
            }
        }
    }
}
