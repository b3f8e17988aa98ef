import Foundation
import Testing

@testable import Factorization

@Suite struct RunStatusTests {
    @Test(arguments: [SolverPath.spectral, .full])
    func stepFarAboveTheStabilityBoundDiverges(_ path: SolverPath) throws {
        var c = SimulationConfig()
        c.path = path
        // Stability needs η < 2/(N λ₁^{4/3}) ≈ 0.031 for λ₁ = 10, N = 3; take 100× that.
        c.eta = 3
        c.steps = 10_000
        c.recordEvery = 1
        let r = try Simulation.run(c)
        #expect(r.status == .diverged)
        #expect(r.steps < 10_000)
        #expect(!r.trajectory.isEmpty)
        #expect(r.trajectory.allSatisfy { $0.loss.isFinite && $0.erank.isFinite && $0.erankRatio.isFinite })
        #expect(r.finalLoss.isFinite)
    }

    @Test func stopLossEndsAsConvergedAtTheFirstStepBelowIt() throws {
        var c = SimulationConfig()
        c.stopLoss = 1e-6
        c.recordEvery = 1000
        let r = try Simulation.run(c)
        #expect(r.status == .converged)
        #expect(r.finalLoss < 1e-6)
        #expect(r.trajectory.last?.step == r.steps)
        // One step earlier the loss was still above the threshold.
        var earlier = c
        earlier.stopLoss = nil
        earlier.steps = r.steps - 1
        earlier.recordEvery = r.steps
        #expect(try Simulation.run(earlier).finalLoss >= 1e-6)
    }

    @Test func noisyRunsReportTheBestStep() throws {
        var c = SimulationConfig()
        c.noise = 0.3
        c.n = 20
        c.recordEvery = 5
        let r = try Simulation.run(c)
        let best = try #require(r.bestStep)
        let bestError = try #require(r.bestCleanError)
        #expect(r.trajectory.allSatisfy { $0.cleanError != nil })
        #expect(r.trajectory.allSatisfy { $0.cleanError! >= bestError })
        #expect(r.trajectory.first { $0.cleanError == bestError }?.step == best)
        // Denoising by early stopping: the best iterate beats the end of the run.
        let lastError = try #require(r.trajectory.last?.cleanError)
        #expect(bestError < lastError)
        #expect(r.bestInsideInterval != nil)
    }

    @Test func sameConfigurationSameBits() throws {
        var c = SimulationConfig()
        c.problem = .sensing
        c.initKind = .gaussian
        c.n = 5
        c.noise = 0.1
        c.steps = 200
        c.seed = 77
        let a = try Simulation.run(c)
        let b = try Simulation.run(c)
        #expect(a.trajectory == b.trajectory)
        c.seed = 78
        #expect(try Simulation.run(c).trajectory != a.trajectory)
    }
}
