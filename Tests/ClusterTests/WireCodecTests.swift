import Factorization
import Foundation
import Sweeps
import Testing

@testable import Cluster

/// A configuration with every registered parameter moved off its default, so a field the codec
/// forgets shows up as a round-trip difference.
func configWithEveryParameterSet() throws -> SimulationConfig {
    var c = SimulationConfig()
    for p in SimulationConfig.parameters {
        let value: ParameterValue
        switch p.kind {
        case .integer: value = .integer(p.name == "n" ? 9 : 7)
        case .real: value = .real(0.375)
        case .choice(let words): value = .text(words.last!)
        case .realList: value = .realList([3, 2.5, 1])
        case .matrix: value = .matrix(MatrixFile.value(Matrix(rowMajor: [[1, 2, 3], [4, 5, 6.5]])))
        }
        try c.set(p.name, to: value)
    }
    return c
}

func sampleResult() -> SimulationResult {
    var result = SimulationResult(
        status: .diverged, path: .full, steps: 1234, finalLoss: 1.5e-20, finalErank: 2.75, targets: [1, 1.89, 2.5],
        intervals: [
            IntervalStat(rank: 1, target: 1, start: 10, end: 90, length: 80, middleError: 0.25),
            IntervalStat(rank: 2, target: 1.89, start: nil, end: nil, length: 0, middleError: nil),
        ],
        predicted: [PredictedInterval(rank: 1, start: 12.5, end: nil)],
        trajectory: [
            TrajectoryPoint(step: 0, loss: 60, erank: 1, erankRatio: 1, cleanError: 0.5),
            TrajectoryPoint(
                step: 10, loss: 3, erank: 1.5, erankRatio: 1.25, cleanError: nil, error: 0.75, unobservedError: 0.875,
                productNorm: 4.5, unobservedMax: 2.25),
        ], bestStep: 10, bestCleanError: 0.125, bestInsideInterval: false, seconds: 0.0625)
    result.finalCleanError = 0.5
    result.finalError = 0.75
    result.finalUnobservedError = 0.875
    result.bestRecoveryError = 0.625
    result.bestRecoveryStep = 10
    result.observedEntries = 17
    result.unobservedLines = 3
    // Version 5: the ratio measure's own targets and intervals (different numbers from the entropy ones).
    result.ratio = RankIntervals(
        targets: [1, 1.5, 1.75],
        intervals: [
            IntervalStat(rank: 1, target: 1, start: 20, end: 70, length: 50, middleError: 0.375),
            IntervalStat(rank: 2, target: 1.5, start: 80, end: 80, length: 0, middleError: nil),
            IntervalStat(rank: 3, target: 1.75, start: nil, end: nil, length: 0, middleError: nil),
        ],
        predicted: [PredictedInterval(rank: 1, start: 12.5, end: nil)])
    return result
}

/// `sampleResult()` without the ratio measure (a result read from a store that could not recompute it).
func sampleResultWithoutRatio() -> SimulationResult {
    var result = sampleResult()
    result.ratio = nil
    return result
}

func key(_ n: Int) -> TaskKey { TaskKey(hex: String(format: "%064x", n)) }

@Suite struct WireCodecTests {
    static func samples() throws -> [WireMessage] {
        let config = try configWithEveryParameterSet()
        return [
            .hello(
                Hello(
                    workerID: "node1-42", host: "node1", pid: 42, cores: 8, jobs: 4, capabilities: [.simulate, .noop],
                    running: [key(5), key(6)])),
            .welcome(
                Welcome(
                    session: 0xDEAD_BEEF_0102_0304, heartbeatMilliseconds: 250, liveness: 5, maxMessageBytes: 1 << 20)),
            .ready(credit: 17),
            .tasks([
                WireTask(key: key(1), kind: .simulate, attempt: 2, isolated: true, config: config),
                WireTask(key: key(2), kind: .noop, config: SimulationConfig()),
            ]),
            .started([key(1), key(3)]),
            .results(
                batch: 99,
                [
                    WireResult(key: key(1), outcome: .success(sampleResult()), seconds: 0.5),
                    WireResult(key: key(2), outcome: .failure("n: must be ≥ 1"), seconds: 0),
                    WireResult(key: key(4), outcome: .success(sampleResultWithoutRatio()), seconds: 0.25),
                    WireResult(key: key(3), outcome: .failure("cannot be sent"), seconds: 2, isFinal: true),
                ]),
            .ack(batch: 1 << 40),
            .heartbeat(running: 3, queued: 12),
            .bye(reason: "interrupted"),
            .shutdown(.complete, message: "done"),
            .reset,
            .rejected(batch: 12, reason: "results message has 1 unexpected trailing bytes"),
        ]
    }

    @Test func everyMessageRoundTrips() throws {
        for m in try Self.samples() {
            let frames = WireCodec.encode(m)
            #expect(frames.count == 2)
            #expect(Array(frames[0].prefix(4)) == Array("DMFS".utf8))
            #expect(try WireCodec.decode(frames).get() == m)
        }
    }

    /// Protocol 5: both measures' intervals travel, a missing ratio measure stays missing, and a
    /// peer of protocol 4 (whose results lack them) is refused by its version, not misread.
    @Test func bothMeasuresTravelAndVersionFourIsRefused() throws {
        for result in [sampleResult(), sampleResultWithoutRatio()] {
            let m = WireMessage.results(batch: 1, [WireResult(key: key(1), outcome: .success(result), seconds: 1)])
            guard case .results(_, let back) = try WireCodec.decode(WireCodec.encode(m)).get(),
                case .success(let decoded) = back.first?.outcome
            else {
                Issue.record("not a results message")
                return
            }
            #expect(decoded.ratio == result.ratio && decoded[.entropy] == result[.entropy])
        }
        var frames = WireCodec.encode(.ready(credit: 1))
        #expect(WireCodec.version == 5)
        frames[0][4] = 4
        #expect(WireCodec.decode(frames) == .failure(.unsupportedVersion(4)))
    }

    @Test func configRoundTripKeepsEveryParameter() throws {
        let config = try configWithEveryParameterSet()
        #expect(config != SimulationConfig())
        let m = WireMessage.tasks([WireTask(key: key(5), kind: .simulate, config: config)])
        guard case .tasks(let back) = try WireCodec.decode(WireCodec.encode(m)).get() else {
            Issue.record("not a tasks message")
            return
        }
        for p in SimulationConfig.parameters {
            #expect(back[0].config.value(of: p.name) == config.value(of: p.name), "parameter \(p.name)")
        }
    }

    @Test func headerErrors() throws {
        let body = WireCodec.body(.ready(credit: 1))
        var badTag = WireCodec.header(.ready)
        badTag[0] = UInt8(ascii: "X")
        #expect(WireCodec.decode([badTag, body]) == .failure(.badTag))
        var wrongVersion = WireCodec.header(.ready)
        wrongVersion[4] = WireCodec.version + 1
        #expect(WireCodec.decode([wrongVersion, body]) == .failure(.unsupportedVersion(WireCodec.version + 1)))
        wrongVersion[4] = WireCodec.version - 1  // an older build's results lack the completion mask's counts
        #expect(WireCodec.decode([wrongVersion, body]) == .failure(.unsupportedVersion(WireCodec.version - 1)))
        var unknown = WireCodec.header(.ready)
        unknown[5] = 200
        #expect(WireCodec.decode([unknown, body]) == .failure(.unknownType(200)))
        #expect(WireCodec.decode([WireCodec.header(.ready)]) == .failure(.frameCount(1)))
        #expect(WireCodec.decode([WireCodec.header(.ready), body, body]) == .failure(.frameCount(3)))
        #expect(WireCodec.decode([Array(WireCodec.header(.ready).prefix(5)), body]) == .failure(.badTag))
    }

    @Test func everyTruncationIsAnErrorNotACrash() throws {
        for m in try Self.samples() {
            let frames = WireCodec.encode(m)
            let body = frames[1]
            for cut in 0..<body.count {
                let r = WireCodec.decode([frames[0], Array(body.prefix(cut))])
                guard case .failure(let e) = r else {
                    Issue.record("\(m.type) cut at \(cut) of \(body.count) decoded")
                    continue
                }
                #expect(e.reason == "truncated" || e.reason == "invalid", "\(m.type) cut at \(cut): \(e)")
            }
        }
    }

    @Test func trailingBytesAndOversizedBodiesAreRejected() {
        let header = WireCodec.header(.ack)
        #expect(WireCodec.decode([header, WireCodec.body(.ack(batch: 1)) + [0]]) == .failure(.trailingBytes("ack", 1)))
        let big = [UInt8](repeating: 0, count: 2000)
        #expect(WireCodec.decode([header, big], maxBytes: 1000) == .failure(.oversized(bytes: 2006, limit: 1000)))
    }

    @Test func forgedCountsDoNotAllocate() {
        // A tasks body claiming 4 billion tasks in 4 bytes must fail fast, not reserve memory.
        var w = ByteWriter()
        w.u32(.max)
        #expect(WireCodec.decode([WireCodec.header(.tasks), w.bytes]) == .failure(.truncated("tasks")))
        var s = ByteWriter()
        s.u32(.max)
        #expect(WireCodec.decode([WireCodec.header(.bye), s.bytes]) == .failure(.truncated("bye")))
    }

    @Test func invalidUTF8AndEnumValuesAreRejected() {
        var w = ByteWriter()
        w.u32(2)
        w.u8(0xFF)
        w.u8(0xFE)
        #expect(WireCodec.decode([WireCodec.header(.bye), w.bytes]) == .failure(.invalidValue("bye", "UTF-8 string")))
        var s = ByteWriter()
        s.u8(9)
        s.string("x")
        #expect(
            WireCodec.decode([WireCodec.header(.shutdown), s.bytes]) == .failure(.invalidValue("shutdown", "reason")))
    }

    @Test func randomGarbageNeverCrashes() throws {
        var rng = Xoshiro256StarStar(seed: 12345)
        var accepted = 0
        let valid = try Self.samples().map { WireCodec.encode($0) }
        for round in 0..<3000 {
            let frames: [[UInt8]]
            switch round % 3 {
            case 0:  // random header and body
                frames = [randomBytes(&rng, max: 8), randomBytes(&rng, max: 64)]
            case 1:  // valid header, random body
                let t = WireMessageType.allCases[Int(rng.next() % UInt64(WireMessageType.allCases.count))]
                frames = [WireCodec.header(t), randomBytes(&rng, max: 300)]
            default:  // valid message with random bytes flipped
                var f = valid[Int(rng.next() % UInt64(valid.count))]
                if !f[1].isEmpty {
                    for _ in 0..<3 {
                        f[1][Int(rng.next() % UInt64(f[1].count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                    }
                }
                frames = f
            }
            if case .success = WireCodec.decode(frames) { accepted += 1 }
        }
        // Random bytes almost never form a message; flipped bytes sometimes still do (a changed number).
        #expect(accepted < 1500)
    }

    private func randomBytes(_ rng: inout Xoshiro256StarStar, max: Int) -> [UInt8] {
        (0..<Int(rng.next() % UInt64(max + 1))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }
}

/// The result-size bound that `plan`, `run`, `coordinator` and `simulate` check before anything
/// runs must hold for what the codec really writes.
@Suite struct ResultSizeBoundTests {
    /// A result of the largest shape: every interval and prediction present, every optional set.
    static func largest(ranks: Int, records: Int) -> SimulationResult {
        var result = SimulationResult(
            status: .finished, path: .full, steps: records, finalLoss: 1, finalErank: 2,
            targets: (0..<ranks).map { Double($0) },
            intervals: (0..<ranks).map {
                IntervalStat(rank: $0, target: 1, start: 1, end: 2, length: 1, middleError: 3)
            },
            predicted: (0..<ranks).map { PredictedInterval(rank: $0, start: 1, end: 2) },
            trajectory: (0..<records).map {
                TrajectoryPoint(
                    step: $0, loss: 1, erank: 1, erankRatio: 1, cleanError: 0.5, error: 0.25, unobservedError: 0.125,
                    productNorm: 2, unobservedMax: 1.5)
            }, bestStep: 1, bestCleanError: 0.5, bestInsideInterval: true, seconds: 1)
        result.finalCleanError = 0.5
        result.finalError = 0.25
        result.finalUnobservedError = 0.125
        result.bestRecoveryError = 0.25
        result.bestRecoveryStep = 1
        result.observedEntries = 7
        result.unobservedLines = 1
        result.ratio = RankIntervals(
            targets: result.targets, intervals: result.intervals, predicted: result.predicted)
        return result
    }

    @Test(arguments: [(0, 0), (1, 2), (5, 1000), (40, 3)])
    func boundIsExactForTheLargestShape(ranks: Int, records: Int) {
        let longKey = TaskKey(hex: String(repeating: "a", count: 128))  // the longest key decoding accepts
        let r = WireResult(key: longKey, outcome: .success(Self.largest(ranks: ranks, records: records)), seconds: 1)
        let frames = WireCodec.encode(.results(batch: 1, [r]))
        let bytes = frames[0].count + frames[1].count
        #expect(
            bytes == WireCodec.resultsMessageOverhead
                + SimulationResult.encodedSizeBound(ranks: ranks, records: records))
        #expect(WireCodec.encodedSizeBound(r) == SimulationResult.encodedSizeBound(ranks: ranks, records: records))
    }

    @Test func boundHoldsForARealRunAndItsConfiguration() throws {
        var config = SimulationConfig()
        config.n = 6
        config.spectrum = [10, 5, 2, 1]
        config.noise = 0.1
        config.steps = 3000
        config.recordEvery = 7
        let result = try Simulation.run(config)
        #expect(result.trajectory.count <= config.resultRecordBound)
        #expect(result.targets.count <= config.resultRankBound)
        let r = WireResult(key: key(1), outcome: .success(result), seconds: 1)
        let frames = WireCodec.encode(.results(batch: 1, [r]))
        #expect(frames[0].count + frames[1].count <= WireCodec.resultsMessageOverhead + config.resultByteBound)
    }

    @Test func theLargestAllowedResultFitsInOneMessage() {
        #expect(
            WireCodec.resultsMessageOverhead + SimulationConfig.maximumResultBytes <= WireCodec.defaultMaxMessageBytes)
    }

    /// The issue's example: 3,000,000 steps recorded every step cannot travel; refused by `validate()`
    /// (so by every command) naming `record_every`.
    @Test func theIssuesExampleIsRefusedNamingRecordEvery() {
        var config = SimulationConfig()
        config.n = 5
        config.spectrum = [10, 5, 2, 1, 0.5]
        config.steps = 3_000_000
        config.recordEvery = 1
        #expect(config.resultByteBound > SimulationConfig.maximumResultBytes)
        #expect(throws: ParameterError.self) { try config.validate() }
        do {
            try config.validate()
        } catch {
            #expect(error.parameter == "record_every")
            #expect(error.message.contains("63.0 MiB"))
        }
        // Each point carries 77 bytes since the product norm and unobserved maximum joined it:
        // every 4th step fits.
        config.recordEvery = 3
        #expect(throws: ParameterError.self) { try config.validate() }
        config.recordEvery = 4
        #expect(throws: Never.self) { try config.validate() }
    }
}
