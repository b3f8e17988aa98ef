import Factorization
import Sweeps

// Binary forms of `SimulationConfig` and `SimulationResult`: fixed field order, little-endian.
// Both sides run the same build (the protocol version guards the layout). The configuration is
// written from the parameter registry: every registered parameter, in registry order, as a tagged
// value (0 unset, 1 integer, 2 real, 3 word, 4 list of reals, 5 matrix: rows and the column-major
// entries; its digest is recomputed on decoding), so a new parameter needs no change
// here. When a field is added to `SimulationResult`, add it below and bump `WireCodec.version`.
extension WireCodec {
    static func encodeConfig(_ c: SimulationConfig, into w: inout ByteWriter) {
        for spec in SimulationConfig.parameters {
            switch spec.value(in: c) {
            case .unset: w.u8(0)
            case .integer(let v):
                w.u8(1)
                w.i64(v)
            case .real(let v):
                w.u8(2)
                w.f64(v)
            case .text(let v):
                w.u8(3)
                w.string(v)
            case .realList(let v):
                w.u8(4)
                w.f64Array(v)
            case .matrix(let m):
                w.u8(5)
                w.i64(m.matrix.rows)
                w.f64Array(m.matrix.elements)
            }
        }
    }

    static func decodeConfig(_ r: inout ByteReader) throws(WireError) -> SimulationConfig {
        var c = SimulationConfig()
        for spec in SimulationConfig.parameters {
            let value: ParameterValue
            switch try r.u8() {
            case 0: value = .unset
            case 1: value = .integer(try r.i64())
            case 2: value = .real(try r.f64())
            case 3: value = .text(try r.string())
            case 4: value = .realList(try r.f64Array())
            case 5:
                let rows = try r.i64()
                let elements = try r.f64Array()
                guard rows >= 1, elements.count % rows == 0, !elements.isEmpty else {
                    throw WireError.invalidValue(r.context, spec.name)
                }
                let matrix = Matrix(rows: rows, columns: elements.count / rows, columnMajor: elements)
                value = .matrix(MatrixFile.value(matrix))
            default: throw WireError.invalidValue(r.context, spec.name)
            }
            do {
                try c.set(spec, to: value)
            } catch {
                throw WireError.invalidValue(r.context, spec.name)
            }
        }
        return c
    }

    static func encodeSimulationResult(_ s: SimulationResult, into w: inout ByteWriter) {
        w.u8(enumIndex(s.status, RunStatus.allCases))
        w.u8(enumIndex(s.path, SolverPath.allCases))
        w.i64(s.steps)
        w.f64(s.finalLoss)
        w.f64(s.finalErank)
        encodeRankIntervals(s[.entropy]!, into: &w)
        w.count(s.trajectory.count)
        for t in s.trajectory {
            w.i64(t.step)
            w.f64(t.loss)
            w.f64(t.erank)
            w.f64(t.erankRatio)
            w.optionalF64(t.cleanError)
            w.optionalF64(t.error)
            w.optionalF64(t.unobservedError)
            w.optionalF64(t.productNorm)
            w.optionalF64(t.unobservedMax)
        }
        w.optionalI64(s.bestStep)
        w.optionalF64(s.bestCleanError)
        switch s.bestInsideInterval {
        case nil: w.u8(0)
        case false?: w.u8(1)
        case true?: w.u8(2)
        }
        w.f64(s.seconds)
        w.optionalF64(s.finalCleanError)
        w.optionalF64(s.finalError)
        w.optionalF64(s.finalUnobservedError)
        w.optionalF64(s.bestRecoveryError)
        w.optionalI64(s.bestRecoveryStep)
        w.optionalI64(s.observedEntries)
        w.optionalI64(s.unobservedLines)
        // Version 5: the ratio measure's targets and intervals (0: absent, 1: present).
        w.u8(s.ratio == nil ? 0 : 1)
        if let ratio = s.ratio { encodeRankIntervals(ratio, into: &w) }
    }

    /// Targets, measured intervals and predictions of one measure.
    static func encodeRankIntervals(_ m: RankIntervals, into w: inout ByteWriter) {
        w.f64Array(m.targets)
        w.count(m.intervals.count)
        for i in m.intervals {
            w.i64(i.rank)
            w.f64(i.target)
            w.optionalI64(i.start)
            w.optionalI64(i.end)
            w.i64(i.length)
            w.optionalF64(i.middleError)
        }
        w.count(m.predicted.count)
        for p in m.predicted {
            w.i64(p.rank)
            w.optionalF64(p.start)
            w.optionalF64(p.end)
        }
    }

    static func decodeRankIntervals(_ r: inout ByteReader) throws(WireError) -> RankIntervals {
        let targets = try r.f64Array()
        var intervals: [IntervalStat] = []
        for _ in 0..<(try r.count(minimumElementSize: 27)) {
            let rank = try r.i64()
            let target = try r.f64()
            let start = try r.optionalI64()
            let end = try r.optionalI64()
            let length = try r.i64()
            let middle = try r.optionalF64()
            intervals.append(
                IntervalStat(rank: rank, target: target, start: start, end: end, length: length, middleError: middle))
        }
        var predicted: [PredictedInterval] = []
        for _ in 0..<(try r.count(minimumElementSize: 10)) {
            let rank = try r.i64()
            let start = try r.optionalF64()
            let end = try r.optionalF64()
            predicted.append(PredictedInterval(rank: rank, start: start, end: end))
        }
        return RankIntervals(targets: targets, intervals: intervals, predicted: predicted)
    }

    static func decodeSimulationResult(_ r: inout ByteReader) throws(WireError) -> SimulationResult {
        let status = try enumValue(&r, RunStatus.allCases, "status")
        let path = try enumValue(&r, SolverPath.allCases, "path")
        let steps = try r.i64()
        let finalLoss = try r.f64()
        let finalErank = try r.f64()
        let entropy = try decodeRankIntervals(&r)
        let points = try r.count(minimumElementSize: 37)
        var trajectory: [TrajectoryPoint] = []
        trajectory.reserveCapacity(points)
        for _ in 0..<points {
            let step = try r.i64()
            let loss = try r.f64()
            let erank = try r.f64()
            let ratio = try r.f64()
            let clean = try r.optionalF64()
            let error = try r.optionalF64()
            let unobserved = try r.optionalF64()
            let norm = try r.optionalF64()
            let largest = try r.optionalF64()
            trajectory.append(
                TrajectoryPoint(
                    step: step, loss: loss, erank: erank, erankRatio: ratio, cleanError: clean, error: error,
                    unobservedError: unobserved, productNorm: norm, unobservedMax: largest))
        }
        let bestStep = try r.optionalI64()
        let bestError = try r.optionalF64()
        let inside: Bool?
        switch try r.u8() {
        case 0: inside = nil
        case 1: inside = false
        case 2: inside = true
        default: throw WireError.invalidValue(r.context, "bestInsideInterval")
        }
        let seconds = try r.f64()
        var result = SimulationResult(
            status: status, path: path, steps: steps, finalLoss: finalLoss, finalErank: finalErank,
            targets: entropy.targets, intervals: entropy.intervals, predicted: entropy.predicted,
            trajectory: trajectory, bestStep: bestStep, bestCleanError: bestError, bestInsideInterval: inside,
            seconds: seconds)
        result.finalCleanError = try r.optionalF64()
        result.finalError = try r.optionalF64()
        result.finalUnobservedError = try r.optionalF64()
        result.bestRecoveryError = try r.optionalF64()
        result.bestRecoveryStep = try r.optionalI64()
        result.observedEntries = try r.optionalI64()
        result.unobservedLines = try r.optionalI64()
        switch try r.u8() {
        case 0: result.ratio = nil
        case 1: result.ratio = try decodeRankIntervals(&r)
        default: throw WireError.invalidValue(r.context, "ratio")
        }
        return result
    }

    private static func enumIndex<E: Equatable>(_ value: E, _ all: [E]) -> UInt8 {
        UInt8(all.firstIndex(of: value)!)
    }

    private static func enumValue<E>(_ r: inout ByteReader, _ all: [E], _ field: String) throws(WireError) -> E {
        let i = Int(try r.u8())
        guard i < all.count else { throw WireError.invalidValue(r.context, field) }
        return all[i]
    }
}
