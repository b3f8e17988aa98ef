import Foundation
import Testing

@testable import Factorization

@Suite struct EffectiveRankTests {
    @Test(arguments: [
        // (singular values, Roy–Vetterli erank, nuclear/operator ratio), erank by hand:
        ([1.0, 1, 1, 1], 4.0, 4.0),  // uniform: exp(log 4)
        ([5.0, 0, 0], 1.0, 1.0),  // rank one
        ([2.0, 2, 0, 0, 0], 2.0, 2.0),
        ([0.0, 0, 0], 0.0, 0.0),  // zero matrix
        (
            [3.0, 1], 1.7547653506,  // p = (3/4, 1/4): exp(−(¾ ln ¾ + ¼ ln ¼)) = 4/3^{3/4}
            4.0 / 3.0
        ),
        ([-2.0, 2], 2.0, 2.0),  // signs ignored (eigenvalues)
    ])
    func knownValues(values: [Double], erank: Double, ratio: Double) {
        #expect(close(EffectiveRank.royVetterli(values), erank, rel: 1e-10))
        #expect(close(EffectiveRank.nuclearToOperatorRatio(values), ratio, rel: 1e-12))
    }

    @Test func fourOverThreeToTheThreeQuarters() {
        // The closed form of the (3, 1) case above, so the literal is not a guess.
        #expect(close(EffectiveRank.royVetterli([3, 1]), 4 / pow(3, 0.75), rel: 1e-14))
    }

    @Test func matrixWithKnownSingularValuesThroughLAPACK() throws {
        var s = RandomStream(seed: 11)
        let sigma = [7.0, 3.0, 1.0, 0.25, 0.0, 0.0]
        let u = try s.haarOrthogonal(6)
        let v = try s.haarOrthogonal(6)
        let a = u * Matrix.diagonal(sigma) * v.transposed
        let computed = try a.singularValues()
        for (c, e) in zip(computed, sigma) { #expect(abs(c - e) < 1e-13) }
        #expect(close(EffectiveRank.royVetterli(computed), EffectiveRank.royVetterli(sigma), rel: 1e-12))
        // erank of (7, 3, 1, 0.25) by hand: total 11.25.
        let p = [7, 3, 1, 0.25].map { $0 / 11.25 }
        let expected = exp(-p.reduce(0) { $0 + $1 * log($1) })
        #expect(close(EffectiveRank.royVetterli(computed), expected, rel: 1e-12))
        #expect(close(EffectiveRank.nuclearToOperatorRatio(computed), 11.25 / 7, rel: 1e-12))
    }

    @Test func groundTruthTargetsMatchTheNotes() {
        // paper-notes: t_1..t_5 ≈ 1.000, 1.890, 2.519, 2.966, 3.261 for λ = 10, 5, 2, 1, 0.5.
        let truth = GroundTruth(eigenvalues: [0.5, 10, 0, 2, 5, 1])
        #expect(truth.rank == 5)
        #expect(truth.order.prefix(5).map { truth.eigenvalues[$0] } == [10, 5, 2, 1, 0.5])
        for (t, e) in zip(truth.targets, [1.000, 1.890, 2.519, 2.966, 3.261]) { #expect(abs(t - e) < 5e-4) }
    }

    /// Under the ratio measure t_r = (|λ_(1)| + … + |λ_(r)|) / |λ_(1)|: 1, 1.5, 1.7, 1.8, 1.85 by
    /// hand for λ = 10, 5, 2, 1, 0.5 (order and signs do not matter), and a run of the worked
    /// example (paper-notes) climbs through every one of them.
    @Test func ratioTargetsAndTheWorkedExampleStaircase() throws {
        let truth = GroundTruth(eigenvalues: [0.5, -10, 0, 2, 5, 1])
        for (t, e) in zip(truth.ratioTargets, [1, 1.5, 1.7, 1.8, 1.85]) { #expect(abs(t - e) < 1e-15) }
        #expect(truth.targets(.ratio) == truth.ratioTargets && truth.targets(.entropy) == truth.targets)
        var config = SimulationConfig()
        config.spectrum = [10, 5, 2, 1, 0.5]
        config.depth = 3
        config.alpha = 0.05
        config.eta = 0.02
        config.steps = 3000
        config.recordEvery = 10
        config.tolerance = 0.02
        let result = try Simulation.run(config)
        let ratio = try #require(result.ratio)
        #expect(ratio.predicted == result.predicted)
        let starts = ratio.intervals.compactMap(\.start)
        #expect(starts.count == 5 && starts == starts.sorted())
        // Inside each interval the recorded ratio is within the tolerance of its target.
        for iv in ratio.intervals {
            for p in result.trajectory where p.step >= iv.start! && p.step <= iv.end! {
                #expect(abs(p.erankRatio - iv.target) <= 0.02)
            }
        }
    }
}
