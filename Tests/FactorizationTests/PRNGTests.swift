import Foundation
import Testing

@testable import Factorization

/// Known answers computed by an independent Python implementation of the reference C code
/// (`Fixtures/prng.json`, made by `Benchmarks/fixtures/make_core_fixtures.py`).
@Suite struct PRNGTests {
    struct Seeded: Decodable {
        let seed: String
        let outputs: [String]
    }
    struct FromState: Decodable {
        let state: [String]
        let outputs: [String]
    }
    struct Unit: Decodable {
        let seed: String
        let values: [Double]
    }
    struct File: Decodable {
        let splitmix64: [Seeded]
        let xoshiro256ssState: [FromState]
        let xoshiro256ssSeeded: [Seeded]
        let unit: Unit
    }

    let file: File

    init() throws { file = try Fixtures.load("prng.json", as: File.self) }

    @Test func splitMix64KnownAnswers() throws {
        #expect(file.splitmix64.count == 3)
        for case_ in file.splitmix64 {
            var g = SplitMix64(seed: try #require(UInt64(case_.seed)))
            #expect(case_.outputs.map { UInt64($0)! } == case_.outputs.map { _ in g.next() }, "seed \(case_.seed)")
        }
        // The published first output of SplitMix64 from seed 0 (Vigna's splitmix64.c).
        var zero = SplitMix64(seed: 0)
        #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
    }

    @Test func xoshiroFromStateKnownAnswers() throws {
        for case_ in file.xoshiro256ssState {
            let s = case_.state.map { UInt64($0)! }
            var g = Xoshiro256StarStar(state: (s[0], s[1], s[2], s[3]))
            #expect(case_.outputs.map { UInt64($0)! } == case_.outputs.map { _ in g.next() })
        }
        // Reference state {1, 2, 3, 4}: the first output is rotl(2·5, 7)·9 = 11520 by hand.
        var g = Xoshiro256StarStar(state: (1, 2, 3, 4))
        #expect(g.next() == 11520)
    }

    @Test func xoshiroSeededThroughSplitMixKnownAnswers() throws {
        for case_ in file.xoshiro256ssSeeded {
            var g = Xoshiro256StarStar(seed: try #require(UInt64(case_.seed)))
            #expect(case_.outputs.map { UInt64($0)! } == case_.outputs.map { _ in g.next() }, "seed \(case_.seed)")
        }
    }

    @Test func unitDoublesAreTheTop53Bits() throws {
        var g = Xoshiro256StarStar(seed: try #require(UInt64(file.unit.seed)))
        for v in file.unit.values { #expect(g.nextUnit() == v) }
    }

    @Test func gaussianStreamHasStandardMoments() {
        var s = RandomStream(seed: 2024)
        let k = 200_000
        var sum = 0.0
        var sq = 0.0
        var fourth = 0.0
        for _ in 0..<k {
            let z = s.gaussian()
            sum += z
            sq += z * z
            fourth += z * z * z * z
        }
        let mean = sum / Double(k)
        let variance = sq / Double(k) - mean * mean
        // Standard errors: mean 0.0022, variance 0.0032, fourth moment 0.024 (k = 2e5); 5σ bounds.
        #expect(abs(mean) < 0.011)
        #expect(abs(variance - 1) < 0.016)
        #expect(abs(fourth / Double(k) - 3) < 0.12)
    }

    @Test func purposesGiveDifferentStreamsAndSameSeedSameStream() {
        var a = RandomStream(seed: 5, purpose: .truth)
        var b = RandomStream(seed: 5, purpose: .initialisation)
        var c = RandomStream(seed: 5, purpose: .truth)
        let xa = (0..<4).map { _ in a.uniform() }
        let xb = (0..<4).map { _ in b.uniform() }
        let xc = (0..<4).map { _ in c.uniform() }
        #expect(xa != xb)
        #expect(xa == xc)
    }
}
