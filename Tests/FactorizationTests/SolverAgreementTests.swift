import Foundation
import Testing

@testable import Factorization

/// The full matrix path and the exact spectral path must agree on every recorded number.
@Suite struct SolverAgreementTests {
    struct Setup: Sendable, CustomStringConvertible {
        var depth: Int
        var alpha: Double
        var eta: Double
        var spectrum: [Double]
        var n: Int? = nil
        var steps: Int
        var noise: Double = 0
        var description: String { "N=\(depth) α=\(alpha) η=\(eta) λ=\(spectrum) n=\(n ?? spectrum.count) σ=\(noise)" }

        func config(_ path: SolverPath) -> SimulationConfig {
            var c = SimulationConfig()
            c.depth = depth
            c.alpha = alpha
            c.eta = eta
            c.spectrum = spectrum
            c.n = n
            c.steps = steps
            c.noise = noise
            c.recordEvery = 7
            c.seed = 3
            c.path = path
            return c
        }
    }

    // Steps are chosen so the loss stays well above the round-off floor, where a relative
    // comparison of two different algorithms is meaningful.
    static let setups: [Setup] = [
        Setup(depth: 3, alpha: 0.05, eta: 0.02, spectrum: [10, 5, 2, 1, 0.5], steps: 1500),
        Setup(depth: 2, alpha: 0.1, eta: 0.01, spectrum: [4, 2, 1], n: 6, steps: 600),
        Setup(depth: 4, alpha: 0.3, eta: 0.005, spectrum: [3, 1.5, 0.7], n: 7, steps: 900),
        Setup(depth: 1, alpha: 0.5, eta: 0.1, spectrum: [2, 1, -1], steps: 50),
        Setup(depth: 5, alpha: 0.5, eta: 0.002, spectrum: [6, 3, 1, 0.3, 0.1, 0.03], steps: 1200),
        Setup(depth: 3, alpha: 0.05, eta: 0.02, spectrum: [10, 5, 2], n: 8, steps: 1000, noise: 0.05),
    ]

    @Test(arguments: setups)
    func fullAndSpectralAgree(_ setup: Setup) throws {
        let full = try Simulation.run(setup.config(.full))
        let spectral = try Simulation.run(setup.config(.spectral))
        #expect(full.path == .full && spectral.path == .spectral)
        #expect(full.status == .finished && spectral.status == .finished)
        try #require(full.trajectory.count == spectral.trajectory.count)
        #expect(full.trajectory.count == setup.steps / 7 + 2 - (setup.steps % 7 == 0 ? 1 : 0))
        for (f, s) in zip(full.trajectory, spectral.trajectory) {
            #expect(f.step == s.step)
            #expect(close(f.loss, s.loss, rel: 1e-9), "loss at step \(f.step): \(f.loss) vs \(s.loss)")
            #expect(close(f.erank, s.erank, rel: 1e-9), "erank at step \(f.step): \(f.erank) vs \(s.erank)")
            #expect(close(f.erankRatio, s.erankRatio, rel: 1e-9), "ratio at step \(f.step)")
            if setup.noise > 0 {
                let fc = try #require(f.cleanError)
                let sc = try #require(s.cleanError)
                #expect(close(fc, sc, rel: 1e-9), "clean error at step \(f.step): \(fc) vs \(sc)")
            } else {
                #expect(f.cleanError == nil && s.cleanError == nil)
            }
        }
        #expect(full.intervals.map(\.start) == spectral.intervals.map(\.start))
        #expect(full.intervals.map(\.end) == spectral.intervals.map(\.end))
        for (a, b) in zip(full.intervals, spectral.intervals) {
            if let x = a.middleError, let y = b.middleError { #expect(close(x, y, rel: 1e-7)) }
            #expect((a.middleError == nil) == (b.middleError == nil))
        }
        #expect(close(try #require(full.finalCleanError), try #require(spectral.finalCleanError), rel: 1e-7))
        #expect(full.bestStep == spectral.bestStep)
    }

    @Test func autoPicksSpectralOnlyWhenExact() throws {
        var c = SimulationConfig()
        c.steps = 10
        #expect(try Simulation.run(c).path == .spectral)
        c.initKind = .orthogonal
        #expect(try Simulation.run(c).path == .full)
        c.initKind = .identity
        c.problem = .completion
        #expect(try Simulation.run(c).path == .full)
        c.path = .spectral
        #expect(throws: ParameterError.self) { try Simulation.run(c) }
    }

    @Test func recordedStepsFollowTheDefinition() throws {
        var c = SimulationConfig()
        c.steps = 25
        c.recordEvery = 10
        #expect(try Simulation.run(c).trajectory.map(\.step) == [0, 10, 20, 25])
        c.steps = 20
        #expect(try Simulation.run(c).trajectory.map(\.step) == [0, 10, 20])
        c.steps = 0
        #expect(try Simulation.run(c).trajectory.map(\.step) == [0])
    }
}
