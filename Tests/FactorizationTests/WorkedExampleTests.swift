import Foundation
import Testing

@testable import Factorization

/// The worked example of the paper notes (λ = 10, 5, 2, 1, 0.5; N = 3; α = 0.05; η = 0.02;
/// 3000 steps) against `Fixtures/worked_example.json`, computed independently with numpy
/// (scalar recursion, and a naive full-matrix GD with numpy's own random basis) and scipy.
@Suite struct WorkedExampleTests {
    struct Trajectory: Decodable {
        let step: [Int]
        let loss: [Double]
        let erank: [Double]
    }
    struct Interval: Decodable {
        let rank: Int
        let start: Int?
        let end: Int?
    }
    struct File: Decodable {
        let targets: [Double]
        let scalar: Trajectory
        let naiveFull: Trajectory
        let intervals: [Interval]
        let halfwaySteps: [Double]
        let predictedDepth2: [Double]
        let predictedDepth5: [Double]
    }

    let file: File
    init() throws { file = try Fixtures.load("worked_example.json", as: File.self) }

    static var config: SimulationConfig {
        var c = SimulationConfig()
        c.spectrum = [10, 5, 2, 1, 0.5]
        c.depth = 3
        c.alpha = 0.05
        c.eta = 0.02
        c.steps = 3000
        c.recordEvery = 10
        c.tolerance = 0.1
        return c
    }

    /// Losses fall to ~1e-24 where two algorithms differ in the last bits of the residual; the
    /// absolute floor 1e-20 is 1.5e-22 of the initial loss (65).
    func check(_ r: SimulationResult, against t: Trajectory) {
        #expect(r.trajectory.map(\.step) == t.step)
        for (p, (loss, erank)) in zip(r.trajectory, zip(t.loss, t.erank)) {
            #expect(close(p.loss, loss, rel: 1e-9, abs: 1e-20), "loss at \(p.step): \(p.loss) vs \(loss)")
            #expect(close(p.erank, erank, rel: 1e-9), "erank at \(p.step): \(p.erank) vs \(erank)")
        }
    }

    @Test(arguments: [SolverPath.spectral, .full])
    func trajectoryTargetsAndIntervals(_ path: SolverPath) throws {
        var c = Self.config
        c.path = path
        let r = try Simulation.run(c)
        #expect(r.status == .finished && r.steps == 3000 && r.path == path)
        check(r, against: path == .spectral ? file.scalar : file.naiveFull)
        for (a, b) in zip(r.targets, file.targets) { #expect(close(a, b, rel: 1e-12)) }
        #expect(r.intervals.map(\.start) == file.intervals.map(\.start))
        #expect(r.intervals.map(\.end) == file.intervals.map(\.end))
        #expect(r.intervals.map(\.length) == file.intervals.map { ($0.end ?? 0) - ($0.start ?? 0) })
        // The notes: the loss ends near 1e-24, the staircase ends at t_5.
        #expect(r.finalLoss > 1e-26 && r.finalLoss < 1e-22)
        #expect(abs(r.finalErank - file.targets[4]) < 1e-6)
        // The predicted switch-on steps (flow integral) against scipy's quadrature of the raw integrand.
        for (p, k) in zip(r.predicted, file.halfwaySteps) { #expect(close(try #require(p.start), k, rel: 1e-8)) }
        #expect(r.predicted.last?.end == nil)
    }

    @Test func predictionsForOtherDepths() {
        let sorted = [10.0, 5, 2, 1, 0.5]
        for (l, k) in zip(sorted, file.predictedDepth2) {
            #expect(close(TheoryPrediction.halfwayStep(lambda: l, depth: 2, alpha: 0.05, eta: 0.02)!, k, rel: 1e-8))
        }
        for (l, k) in zip(sorted, file.predictedDepth5) {
            #expect(close(TheoryPrediction.halfwayStep(lambda: l, depth: 5, alpha: 0.3, eta: 0.01)!, k, rel: 1e-8))
        }
        // N = 1: dw/dt = λ − w from α: time to λ/2 is ln((λ − α)/(λ/2)).
        #expect(
            close(
                TheoryPrediction.halfwayStep(lambda: 4, depth: 1, alpha: 0.5, eta: 0.1)!, log(3.5 / 2) / 0.1, rel: 1e-14
            ))
        #expect(TheoryPrediction.halfwayStep(lambda: 0, depth: 3, alpha: 0.05, eta: 0.02) == nil)
        #expect(TheoryPrediction.halfwayStep(lambda: 1e-5, depth: 3, alpha: 0.05, eta: 0.02) == 0)
        // The closed-form N ≥ 3 switch-on estimate from the notes.
        #expect(
            close(TheoryPrediction.switchOnEstimate(lambda: 10, depth: 3, alpha: 0.05, eta: 0.02)!, 100, rel: 1e-12))
    }
}
