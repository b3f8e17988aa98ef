import Factorization
import Foundation
import Testing

@testable import Sweeps

/// The `simulate` object's exact bytes: keys in README order, reals in `JSONText.float` layout
/// (integral reals keep `.0`), integers plain, unset optionals `null`, no whitespace.
@Suite struct SimulationResultJSONTests {
    static let result = SimulationResult(
        status: .converged, path: .spectral, steps: 20, finalLoss: 1e-7, finalErank: 2.0, targets: [1.0, 1.5],
        intervals: [IntervalStat(rank: 1, target: 1.0, start: 3, end: nil, length: 0, middleError: 0.25)],
        predicted: [PredictedInterval(rank: 1, start: 2.5, end: nil)],
        trajectory: [
            TrajectoryPoint(step: 0, loss: 100, erank: 1e16, erankRatio: 0.1),
            TrajectoryPoint(
                step: 10, loss: 0.5, erank: 1, erankRatio: 1e-5, cleanError: 3, productNorm: 2, unobservedMax: 0.5),
        ],
        bestStep: nil, bestCleanError: nil, bestInsideInterval: false, seconds: 0.125)

    @Test func objectBytesAreExact() {
        let head =
            #"{"status":"converged","path":"spectral","steps":20,"final_loss":1e-07,"final_erank":2.0,"#
            + #""final_clean_error":null,"final_error":null,"final_unobserved_error":null,"best_recovery_error":null,"#
            + #""best_recovery_step":null,"targets":[1.0,1.5],"#
            + #""intervals":[{"rank":1,"target":1.0,"start":3,"end":null,"length":0,"middle_error":0.25}],"#
            + #""predicted":[{"rank":1,"start":2.5,"end":null}],"ratio":null,"best_step":null,"best_clean_error":null,"#
            + #""best_inside_interval":false,"seconds":0.125"#
        let trajectory =
            #","trajectory":[{"step":0,"loss":100.0,"erank":1e+16,"erank_ratio":0.1},"#
            + #"{"step":10,"loss":0.5,"erank":1.0,"erank_ratio":1e-05,"clean_error":3.0,"product_norm":2.0,"#
            + #""unobserved_max":0.5}]"#
        #expect(Self.result.json(includeTrajectory: false) == head + "}")
        #expect(Self.result.json() == head + trajectory + "}")
    }

    /// The ratio measure's targets, intervals and predictions are an object `ratio` after `predicted`,
    /// with the same keys as the entropy measure's at the top level.
    @Test func ratioMeasureIsAnObjectOfItsOwn() {
        var result = Self.result
        result.ratio = RankIntervals(
            targets: [1.0, 1.25],
            intervals: [IntervalStat(rank: 1, target: 1.0, start: 5, end: 9, length: 4, middleError: nil)],
            predicted: [PredictedInterval(rank: 1, start: 2.5, end: nil)])
        let expected =
            #""predicted":[{"rank":1,"start":2.5,"end":null}],"ratio":{"targets":[1.0,1.25],"#
            + #""intervals":[{"rank":1,"target":1.0,"start":5,"end":9,"length":4,"middle_error":null}],"#
            + #""predicted":[{"rank":1,"start":2.5,"end":null}]},"best_step":null,"#
        #expect(result.json(includeTrajectory: false).contains(expected))
    }

    /// The completion mask's counts follow `seconds`, for completion results only (the other
    /// problems' objects keep their keys).
    @Test func maskCountsOnlyForCompletion() throws {
        var config = SimulationConfig()
        config.steps = 10
        let estimation = try Simulation.run(config)
        #expect(!estimation.json().contains("observed_entries"))
        config.problem = .completion
        config.observed = 1
        let full = try Simulation.run(config)
        #expect(full.json().contains("\"seconds\":0.0,\"observed_entries\":25,\"unobserved_lines\":0"))
    }

    @Test func objectParsesAsJSON() throws {
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(Self.result.json().utf8)) as? [String: Any])
        #expect(object["final_loss"] as? Double == 1e-7)
        #expect((object["trajectory"] as? [Any])?.count == 2)
    }

    /// A diverged run's JSON holds no NaN or Inf (every recorded number is finite).
    @Test func aDivergedRunWritesNoNonFiniteNumber() throws {
        var c = SimulationConfig()
        c.eta = 3
        c.path = .full
        let r = try Simulation.run(c)
        #expect(r.status == .diverged)
        #expect(!r.json().contains("nan") && !r.json().contains("inf"))
    }
}
