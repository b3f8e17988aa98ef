import Foundation
import Testing

@testable import Factorization

/// `RankMonotonicity` against a brute-force reading of its definition, hand-worked cases, and
/// the seed paper's claim on the worked example.
@Suite struct RankMonotonicityTests {
    /// The definition read literally: monotone_from is the smallest recorded step s such that no
    /// consecutive pair at or after s is a fall (nil when only the last step qualifies after a
    /// fall into it); rank_drops counts the falls into points after the first minimum.
    private func bruteForce(_ v: [Double], _ steps: [Int], _ tol: Double) -> RankMonotonicity {
        func fall(_ i: Int) -> Bool { v[i] < v[i - 1] - tol }
        var from: Int? = nil
        for (c, s) in steps.enumerated() where from == nil {
            let clean = (1..<max(1, v.count)).allSatisfy { i in steps[i - 1] < s || !fall(i) }
            if clean { from = c == v.count - 1 && c > 0 && fall(c) ? nil : s }
        }
        let minimum = v.min() ?? 0
        let first = v.firstIndex(of: minimum) ?? 0
        let drops = (1..<max(1, v.count)).filter { $0 > first && fall($0) }.count
        return RankMonotonicity(monotoneFrom: v.isEmpty ? nil : from, rankDrops: drops)
    }

    @Test func handWorkedStaircases() {
        let steps = Array(stride(from: 0, to: 90, by: 10))
        // Falls at 1 (5→3), 2 (3→1) and 7 (2.5→2.2); 1.9→1.85 is within the tolerance. The
        // minimum is at index 2, so one drop after it; no fall after step 70.
        let v = [5, 3, 1, 1.2, 1.9, 1.85, 2.5, 2.2, 2.6]
        #expect(
            RankMonotonicity.measure(values: v, steps: steps, tolerance: 0.1) == .init(monotoneFrom: 70, rankDrops: 1))
        // A plain staircase: the initial descent only.
        let up = [5, 1, 1, 1.9, 1.9, 2.5, 2.5, 3, 3]
        #expect(
            RankMonotonicity.measure(values: up, steps: steps, tolerance: 0.1) == .init(monotoneFrom: 10, rankDrops: 0))
        // Never falls: monotone from the first recorded step.
        #expect(
            RankMonotonicity.measure(values: [1, 2, 3], steps: [0, 5, 9], tolerance: 0)
                == .init(monotoneFrom: 0, rankDrops: 0))
        // Ends in a fall (after the minimum at step 0): never settles within the recording.
        #expect(
            RankMonotonicity.measure(values: [1, 2, 1.5], steps: [0, 5, 9], tolerance: 0.1)
                == .init(monotoneFrom: nil, rankDrops: 1))
        #expect(
            RankMonotonicity.measure(values: [], steps: [], tolerance: 0.1) == .init(monotoneFrom: nil, rankDrops: 0))
    }

    @Test func agreesWithBruteForceOnRandomWalks() {
        var rng = SystemRandomNumberGenerator()
        for trial in 0..<500 {
            let count = Int.random(in: 1...30, using: &rng)
            var v: [Double] = []
            var x = Double.random(in: 1...5, using: &rng)
            for _ in 0..<count {
                v.append(x)
                x += Double.random(in: -0.5...0.5, using: &rng).rounded(toPlaces: 1)
            }
            let steps = (0..<count).map { $0 * 7 }
            let tol = [0.0, 0.1, 0.25][trial % 3]
            #expect(
                RankMonotonicity.measure(values: v, steps: steps, tolerance: tol) == bruteForce(v, steps, tol),
                "\(v) tol \(tol)")
        }
    }

    /// The seed paper's claim on the worked example (identity init, estimation): after the
    /// initial descent the effective rank never falls, under either measure.
    @Test func workedExampleIsMonotoneAfterItsInitialDescent() throws {
        var config = SimulationConfig()
        config.spectrum = [10, 5, 2, 1, 0.5]
        config.depth = 3
        config.alpha = 0.05
        config.eta = 0.02
        config.steps = 3000
        config.recordEvery = 10
        let result = try Simulation.run(config)
        let steps = result.trajectory.map(\.step)
        for values in [result.trajectory.map(\.erank), result.trajectory.map(\.erankRatio)] {
            let m = RankMonotonicity.measure(values: values, steps: steps, tolerance: config.tolerance)
            #expect(m.rankDrops == 0)
            #expect(m.monotoneFrom != nil && m.monotoneFrom! < 300, "\(m)")
        }
    }
}

extension Double {
    fileprivate func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
