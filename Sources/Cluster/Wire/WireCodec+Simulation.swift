import Factorization

// Binary forms of `SimulationConfig` and `SimulationResult`: fixed field order, little-endian.
// Both sides run the same build (the protocol version guards the layout): when a field is added
// to either type, add it here and bump `WireCodec.version`. The round-trip tests set every
// registered parameter, so a forgotten field fails them.
extension WireCodec {
    static func encodeConfig(_ c: SimulationConfig, into w: inout ByteWriter) {
        w.u8(enumIndex(c.problem, ProblemKind.allCases))
        w.optionalI64(c.n)
        w.i64(c.depth)
        if let s = c.spectrum {
            w.u8(1)
            w.f64Array(s)
        } else {
            w.u8(0)
        }
        w.optionalI64(c.rank)
        w.f64(c.decay)
        w.f64(c.noise)
        w.u8(enumIndex(c.initKind, InitKind.allCases))
        w.f64(c.alpha)
        w.f64(c.eta)
        w.i64(c.steps)
        w.i64(c.recordEvery)
        w.f64(c.tolerance)
        w.u64(c.seed)
        w.u8(enumIndex(c.path, SolverPath.allCases))
        w.optionalI64(c.measurements)
        w.f64(c.observed)
        w.optionalF64(c.stopLoss)
    }

    static func decodeConfig(_ r: inout ByteReader) throws(WireError) -> SimulationConfig {
        var c = SimulationConfig()
        c.problem = try enumValue(&r, ProblemKind.allCases, "problem")
        c.n = try r.optionalI64()
        c.depth = try r.i64()
        c.spectrum = try r.bool() ? try r.f64Array() : nil
        c.rank = try r.optionalI64()
        c.decay = try r.f64()
        c.noise = try r.f64()
        c.initKind = try enumValue(&r, InitKind.allCases, "init")
        c.alpha = try r.f64()
        c.eta = try r.f64()
        c.steps = try r.i64()
        c.recordEvery = try r.i64()
        c.tolerance = try r.f64()
        c.seed = try r.u64()
        c.path = try enumValue(&r, SolverPath.allCases, "path")
        c.measurements = try r.optionalI64()
        c.observed = try r.f64()
        c.stopLoss = try r.optionalF64()
        return c
    }

    static func encodeSimulationResult(_ s: SimulationResult, into w: inout ByteWriter) {
        w.u8(enumIndex(s.status, RunStatus.allCases))
        w.u8(enumIndex(s.path, SolverPath.allCases))
        w.i64(s.steps)
        w.f64(s.finalLoss)
        w.f64(s.finalErank)
        w.f64Array(s.targets)
        w.count(s.intervals.count)
        for i in s.intervals {
            w.i64(i.rank)
            w.f64(i.target)
            w.optionalI64(i.start)
            w.optionalI64(i.end)
            w.i64(i.length)
            w.optionalF64(i.middleError)
        }
        w.count(s.predicted.count)
        for p in s.predicted {
            w.i64(p.rank)
            w.optionalF64(p.start)
            w.optionalF64(p.end)
        }
        w.count(s.trajectory.count)
        for t in s.trajectory {
            w.i64(t.step)
            w.f64(t.loss)
            w.f64(t.erank)
            w.f64(t.erankRatio)
            w.optionalF64(t.cleanError)
        }
        w.optionalI64(s.bestStep)
        w.optionalF64(s.bestCleanError)
        switch s.bestInsideInterval {
        case nil: w.u8(0)
        case false?: w.u8(1)
        case true?: w.u8(2)
        }
        w.f64(s.seconds)
        w.optionalI64(s.observedEntries)
        w.optionalI64(s.unobservedLines)
    }

    static func decodeSimulationResult(_ r: inout ByteReader) throws(WireError) -> SimulationResult {
        let status = try enumValue(&r, RunStatus.allCases, "status")
        let path = try enumValue(&r, SolverPath.allCases, "path")
        let steps = try r.i64()
        let finalLoss = try r.f64()
        let finalErank = try r.f64()
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
        let points = try r.count(minimumElementSize: 33)
        var trajectory: [TrajectoryPoint] = []
        trajectory.reserveCapacity(points)
        for _ in 0..<points {
            let step = try r.i64()
            let loss = try r.f64()
            let erank = try r.f64()
            let ratio = try r.f64()
            let clean = try r.optionalF64()
            trajectory.append(
                TrajectoryPoint(step: step, loss: loss, erank: erank, erankRatio: ratio, cleanError: clean))
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
            status: status, path: path, steps: steps, finalLoss: finalLoss, finalErank: finalErank, targets: targets,
            intervals: intervals, predicted: predicted, trajectory: trajectory, bestStep: bestStep,
            bestCleanError: bestError, bestInsideInterval: inside, seconds: seconds)
        result.observedEntries = try r.optionalI64()
        result.unobservedLines = try r.optionalI64()
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
