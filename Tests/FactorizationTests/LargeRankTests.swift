import Foundation
import Testing

@testable import Factorization

/// Full-rank spectra on the spectral path: the noiseless solver needs O(n) memory (not the n×R
/// projection weights only a noisy target uses) and the targets t_r = erank(Y_r) for every r
/// cost O(R), not O(R²).
@Suite struct LargeRankTests {
    @Test func noiselessSpectralSolverKeepsNoProjectionWeights() throws {
        var c = SimulationConfig()
        c.n = 2000
        c.rank = 2000
        c.decay = 1
        let instance = try ProblemInstance(config: c, needMatrices: false)
        let solver = try SpectralSolver(instance: instance, alpha: c.alpha, depth: c.depth, eta: c.eta)
        #expect(solver.projectionWeightCount == 0)
        c.noise = 0.1
        c.n = 20
        c.rank = 20
        let noisy = try ProblemInstance(config: c, needMatrices: false)
        let noisySolver = try SpectralSolver(instance: noisy, alpha: c.alpha, depth: c.depth, eta: c.eta)
        #expect(noisySolver.projectionWeightCount == 20 * 20)
    }

    @Test func targetsOfALongSpectrumMatchTheDefinitionForEveryR() {
        // Eigenvalues in no particular order, with signs, zeros and duplicates.
        var s = RandomStream(seed: 3)
        var lambdas = (0..<3000).map { _ in s.gaussian() * exp(3 * s.gaussian()) }
        lambdas += [0, 0, lambdas[7], -lambdas[8]]
        let truth = GroundTruth(eigenvalues: lambdas)
        let magnitudes = lambdas.map(abs).filter { $0 != 0 }.sorted(by: >)
        #expect(truth.rank == magnitudes.count)
        #expect(truth.targets.count == magnitudes.count)
        // The definition, directly, for a sample of r (and the ends).
        for r in [1, 2, 3, 10, 100, 1234, 2999, magnitudes.count] {
            let top = magnitudes.prefix(r)
            let total = top.reduce(0, +)
            let entropy = top.reduce(0.0) { h, x in h - (x / total) * log(x / total) }
            #expect(close(truth.targets[r - 1], exp(entropy), rel: 1e-11), "r = \(r)")
        }
        #expect(truth.targets[0] == 1)
    }
}
