import Foundation
import Testing

@testable import Factorization

@Suite struct ProblemTests {
    static func base(_ problem: ProblemKind) -> SimulationConfig {
        var c = SimulationConfig()
        c.problem = problem
        c.depth = 3
        c.alpha = 0.1
        c.recordEvery = 100
        c.seed = 8
        return c
    }

    @Test func sensingRecoversALowRankTarget() throws {
        var c = Self.base(.sensing)
        c.n = 8
        c.spectrum = [4, 2]
        c.measurements = 48  // < n² = 64: the operator is not invertible
        c.eta = 0.04
        c.steps = 6000
        let r = try Simulation.run(c)
        #expect(r.status == .finished && r.path == .full)
        let initial = try #require(r.trajectory.first)
        #expect(r.finalLoss < 1e-5 * initial.loss, "loss \(initial.loss) → \(r.finalLoss)")
        // ‖Y‖_F = √20 ≈ 4.47; at init W ≈ 0.001·I, so the error starts near ‖Y‖.
        #expect(try #require(r.finalCleanError) < 0.01 * 20.0.squareRoot())
        #expect(abs(r.finalErank - r.targets[1]) < 0.05)
    }

    @Test func completionRecoversALowRankTarget() throws {
        var c = Self.base(.completion)
        c.n = 10
        c.spectrum = [3, 2]
        c.observed = 0.7
        c.eta = 0.15
        c.steps = 3000
        let r = try Simulation.run(c)
        let initial = try #require(r.trajectory.first)
        #expect(r.status == .finished)
        #expect(r.finalLoss < 1e-5 * initial.loss, "loss \(initial.loss) → \(r.finalLoss)")
        #expect(try #require(r.finalCleanError) < 0.01 * 13.0.squareRoot())
    }

    @Test func completionMaskKeepsAboutAFractionP() throws {
        var c = Self.base(.completion)
        c.n = 60
        c.spectrum = [1]
        c.observed = 0.3
        let inst = try ProblemInstance(config: c, needMatrices: true)
        let kept = inst.mask!.reduce(0, +) / 3600
        #expect(abs(kept - 0.3) < 0.04)  // binomial sd 0.0076
    }

    @Test func groundTruthIsVDiagLambdaVT() throws {
        var c = Self.base(.estimation)
        c.spectrum = [3, 2, 0.5]
        c.n = 5
        let inst = try ProblemInstance(config: c, needMatrices: true)
        let v = try #require(inst.basis)
        let vtv = v.transposed * v
        #expect((vtv - Matrix.identity(5)).maxAbs < 1e-13)
        let eig = try #require(inst.clean).symmetricEigen().values
        for (a, b) in zip(eig, [0, 0, 0.5, 2, 3]) { #expect(abs(a - b) < 1e-13) }
        #expect(inst.target == inst.clean)
    }

    @Test func noiseIsSymmetricWithTheRequestedLevel() throws {
        var c = Self.base(.estimation)
        c.spectrum = [1]
        c.n = 80
        c.noise = 0.2
        let inst = try ProblemInstance(config: c, needMatrices: true)
        let e = try #require(inst.target) - (try #require(inst.clean))
        #expect(e == e.transposed)
        // Mean of e_ij² over the n(n+1)/2 free entries should be σ² = 0.04 (sd ≈ 0.0007).
        var s = 0.0
        for j in 0..<80 { for i in 0...j { s += e[i, j] * e[i, j] } }
        #expect(abs(s / 3240 - 0.04) < 0.004)
    }

    @Test func changingTheInitLeavesTheTargetAndMeasurementsUnchanged() throws {
        var a = Self.base(.sensing)
        a.spectrum = [2, 1]
        a.n = 4
        a.noise = 0.1
        var b = a
        b.initKind = .gaussian
        b.alpha = 0.7
        let ia = try ProblemInstance(config: a, needMatrices: true)
        let ib = try ProblemInstance(config: b, needMatrices: true)
        #expect(ia.target == ib.target)
        #expect(ia.sensing!.operator == ib.sensing!.operator && ia.sensing!.measurements == ib.sensing!.measurements)
        var other = a
        other.seed = 9
        #expect(try ProblemInstance(config: other, needMatrices: true).target != ia.target)
        // And the noise level does not move the clean ground truth.
        var quiet = a
        quiet.noise = 0
        #expect(try ProblemInstance(config: quiet, needMatrices: true).clean == ia.clean)
    }

    @Test func orthogonalAndGaussianInitsHaveTheirDefinedScale() throws {
        let q = try Initialization.factors(.orthogonal, n: 6, depth: 2, alpha: 0.5, seed: 1)
        for f in q { #expect(((f.transposed * f) - Matrix.identity(6, scale: 0.25)).maxAbs < 1e-13) }
        #expect(q[0] != q[1])
        let g = try Initialization.factors(.gaussian, n: 50, depth: 1, alpha: 2, seed: 1)[0]
        // Entries N(0, α²/n) = N(0, 0.08): mean square 0.08 (sd ≈ 0.0023).
        #expect(abs(g.elements.reduce(0) { $0 + $1 * $1 } / 2500 - 0.08) < 0.01)
        #expect(
            try Initialization.factors(.identity, n: 3, depth: 2, alpha: 0.5, seed: 1) == [
                .identity(3, scale: 0.5), .identity(3, scale: 0.5),
            ])
    }

    @Test func fullPathTooLargeIsAParameterErrorButSpectralRuns() throws {
        var c = Self.base(.estimation)
        c.n = 20_000
        c.spectrum = [1]
        c.steps = 3
        c.path = .full
        #expect(throws: ParameterError.self) { try Simulation.run(c) }
        c.path = .auto
        #expect(try Simulation.run(c).path == .spectral)
    }

    @Test func sensingOperatorTooLargeIsAParameterError() {
        var c = Self.base(.sensing)
        c.n = 400
        c.spectrum = [1]
        c.measurements = 1000
        #expect(throws: ParameterError.self) { try Simulation.run(c) }
    }
}
