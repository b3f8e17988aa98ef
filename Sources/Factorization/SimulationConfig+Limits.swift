import Foundation

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

    /// The most bytes one task's result may take in its binary form (the wire codec's layout,
    /// `SimulationResult.encodedSizeBound`): 63 MiB, one MiB under the 64 MiB message limit of the
    /// cluster protocol (docs/protocol.md), so every result fits in one message with its framing.
    /// A sweep whose results could be larger is refused before anything runs, in every mode.
    public static let maximumResultBytes = 63 << 20

    /// An upper bound of rank(Y), the number of per-rank entries (targets, measured and predicted
    /// intervals) of a result: the given or generated eigenvalues, at most n of them.
    public var resultRankBound: Int {
        if target != nil { return min(resolvedRows, resolvedN) }
        let given = spectrum?.count ?? rank ?? Self.defaultSpectrum.count
        return min(resolvedN, given)
    }

    /// The most trajectory points a run records: steps 0, r, 2r, … and the last one
    /// (`steps / record_every + 2`).
    public var resultRecordBound: Int { steps / recordEvery + 2 }

    /// An upper bound, in bytes, of this configuration's result in its binary form (exact for the
    /// largest possible result: every interval and prediction present, every optional set).
    public var resultByteBound: Int {
        SimulationResult.encodedSizeBound(ranks: resultRankBound, records: resultRecordBound)
    }

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
        let bytes = resultByteBound
        if bytes > Self.maximumResultBytes {
            let perRecord = SimulationResult.encodedBytesPerRecord
            let room = Self.maximumResultBytes - SimulationResult.encodedSizeBound(ranks: resultRankBound, records: 2)
            let smallest = room > perRecord ? (steps + room / perRecord - 1) / (room / perRecord) : steps
            throw fail(
                "record_every",
                "\(steps) steps recorded every \(recordEvery) make a result of up to "
                    + "\(Self.formatBytes(bytes)), more than the limit of \(Self.formatBytes(Self.maximumResultBytes)) "
                    + "one result may take (it travels in one message of at most 64 MiB); "
                    + "use record_every ≥ \(max(smallest, recordEvery + 1)) or fewer steps")
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

extension SimulationConfig {
    /// Bytes in binary (1024-based) units with one decimal, e.g. `63.0 MiB`.
    /// - Parameter bytes: a byte count ≥ 0.
    /// - Returns: the count in B, KiB or MiB.
    public static func formatBytes(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1 << 20 { return String(format: "%.1f KiB", Double(bytes) / 1024) }
        return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
    }
}

extension SimulationResult {
    /// Bytes of one trajectory point in the binary form: step, loss, erank, ratio (8 each) and
    /// the optional clean, relative and unobserved errors, product norm and unobserved maximum
    /// (1 + 8 each).
    public static let encodedBytesPerRecord = 77
    /// Bytes per rank r, under each of the two effective-rank measures: a target (8), a measured
    /// interval (rank 8, target 8, start 9, end 9, length 8, middle error 9) and a predicted
    /// interval (rank 8, start 9, end 9).
    public static let encodedBytesPerRank = 2 * (8 + 51 + 26)
    /// Bytes of everything else in one result as it travels (`WireCodec`'s `results` message):
    /// the task key (4 + at most 128), seconds (8), outcome tag (1), status and path (2), steps,
    /// final loss and erank (24), three counts and the trajectory's (16), best step (9), best clean
    /// error (9), inside-interval flag (1), seconds (8), the recovery errors (final clean, final
    /// relative, final unobserved, best recovery error and step: 5 × 9) and the completion mask's
    /// observed entries and unobserved lines (9 each), and the ratio measure's presence flag (1)
    /// and its three counts (12).
    public static let encodedFixedBytes = 132 + 8 + 1 + 2 + 24 + 16 + 9 + 9 + 1 + 8 + 45 + 18 + 13

    /// The largest binary form of a result with `ranks` per-rank entries and `records` points.
    /// - Parameters:
    ///   - ranks: targets, intervals and predictions (rank(Y)).
    ///   - records: trajectory points.
    /// - Returns: bytes; saturates at `Int.max` instead of overflowing.
    public static func encodedSizeBound(ranks: Int, records: Int) -> Int {
        let (a, o1) = ranks.multipliedReportingOverflow(by: encodedBytesPerRank)
        let (b, o2) = records.multipliedReportingOverflow(by: encodedBytesPerRecord)
        let (c, o3) = a.addingReportingOverflow(b)
        let (d, o4) = c.addingReportingOverflow(encodedFixedBytes)
        return o1 || o2 || o3 || o4 ? Int.max : d
    }
}
