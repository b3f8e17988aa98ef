import Testing

@testable import Factorization

/// Configurations whose memory would not fit are refused by `validate()` with a message naming
/// the parameter, so the CLI exits 2 and a sweep file reports `file:line:column` before anything
/// runs — instead of the process trapping on an allocation (or an `Int` overflow) mid-run.
@Suite struct ResourceLimitTests {
    static func refusal(_ c: SimulationConfig) -> ParameterError? {
        do {
            try c.validate()
            return nil
        } catch {
            return error
        }
    }

    @Test func tooManyRecordsIsRefusedNamingRecordEvery() throws {
        var c = SimulationConfig()
        c.steps = 100_000_000
        c.recordEvery = 1
        let e = try #require(Self.refusal(c))
        #expect(e.parameter == "record_every")
        #expect(e.message.contains("record"))
        // 77 bytes per recorded point: every 117th step is the densest recording that fits.
        c.recordEvery = 116
        #expect(Self.refusal(c)?.parameter == "record_every")
        c.recordEvery = 117
        #expect(Self.refusal(c) == nil)
    }

    @Test func theLargestStepCountDoesNotOverflowTheRecordCount() throws {
        var c = SimulationConfig()
        c.steps = Int.max
        c.recordEvery = 1
        #expect(Self.refusal(c)?.parameter == "record_every")
        c.recordEvery = Int.max
        #expect(Self.refusal(c) == nil)
    }

    @Test func fullPathMatricesBeyondTheLimitAreRefused() throws {
        var c = SimulationConfig()
        c.path = .full
        c.n = 10_000
        #expect(Self.refusal(c)?.parameter == "n")
        c.path = .auto
        c.initKind = .gaussian  // auto → full
        #expect(Self.refusal(c)?.parameter == "n")
        c.n = Int.max  // n² overflows
        #expect(Self.refusal(c)?.parameter == "n")
    }

    @Test func noisySpectralRunsNeedMatricesToo() throws {
        var c = SimulationConfig()
        c.n = 100_000
        #expect(Self.refusal(c) == nil)  // noiseless spectral: O(n)
        c.noise = 0.1  // the noisy target is eigendecomposed: n² doubles
        #expect(Self.refusal(c)?.parameter == "n")
    }

    @Test func spectralDimensionIsBounded() throws {
        var c = SimulationConfig()
        c.n = 1_000_000_000
        #expect(Self.refusal(c)?.parameter == "n")
    }

    @Test func sensingOperatorBeyondTheLimitIsRefusedBeforeRunning() throws {
        var c = SimulationConfig()
        c.problem = .sensing
        c.n = 500  // default m = 5·n·5 = 12 500 → m·n² ≈ 3e9 entries
        let e = try #require(Self.refusal(c))
        #expect(e.parameter == "measurements")
        c.measurements = 100  // 2.5e7 entries, but the full path still fits
        #expect(Self.refusal(c) == nil)
    }

    @Test func aSpectrumWhoseSquaredNormOverflowsIsRefused() throws {
        var c = SimulationConfig()
        c.spectrum = [1e200, 1]
        #expect(Self.refusal(c)?.parameter == "spectrum")
        c.spectrum = [1e100, 1]
        #expect(Self.refusal(c) == nil)
    }
}

/// An initial product that overflows is bad input, not a run that "diverged" at step 0 with no
/// record and a sentinel final loss of 1.8e308 that would poison every aggregate of final_loss.
@Suite struct InitialScaleTests {
    @Test func anOverflowingInitialProductIsRefused() throws {
        var c = SimulationConfig()
        c.alpha = 1e60
        c.depth = 6
        #expect(ResourceLimitTests.refusal(c)?.message.hasPrefix("alpha^depth = 1e+60^6 exceeds 1e100") == true)
        c.depth = 1
        #expect(ResourceLimitTests.refusal(c) == nil)
    }

    @Test func everyValidRunRecordsStepZero() throws {
        var c = SimulationConfig()
        c.alpha = 1e20  // α^N = 1e100, the largest initial scale allowed
        c.depth = 5
        c.steps = 3
        let r = try Simulation.run(c)
        #expect(r.trajectory.first?.step == 0)
        #expect(r.finalLoss.isFinite && r.finalLoss < 1e201)
    }
}
