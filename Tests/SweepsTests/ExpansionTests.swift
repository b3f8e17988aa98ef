import Factorization
import Foundation
import TestSupport
import Testing

@testable import Sweeps

@Suite struct ExpansionTests {
    static let good = TestPaths.repositoryRoot.appendingPathComponent("Tests/SweepsTests/Fixtures/good")

    static func load(_ name: String) throws -> SweepSpec {
        try SweepFile.load(path: good.appendingPathComponent(name).path)
    }

    @Test func gridIsTheProductInWrittenOrderLastFastest() throws {
        let spec = try Self.load("depth-vs-alpha.yaml")
        #expect(spec.name == "depth-vs-alpha")
        #expect(spec.method == .grid)
        #expect(spec.description == "Interval lengths against depth and initial scale,\nfive seeds each.\n")
        #expect(spec.taskCount == 60)
        #expect(spec.sweptParameterNames == ["depth", "alpha", "seed"])
        #expect(spec.sourceText.hasPrefix("# The example of issue 4"))
        let tasks = try spec.expand()
        var expected: [(Int, Double, UInt64)] = []
        for depth in [2, 3, 4, 5] {
            for alpha in [0.01, 0.03, 0.1] {
                for seed: UInt64 in 0...4 { expected.append((depth, alpha, seed)) }
            }
        }
        #expect(tasks.count == expected.count)
        for (task, (depth, alpha, seed)) in zip(tasks, expected) {
            let c = task.config
            #expect(c.depth == depth && c.alpha == alpha && c.seed == seed)
            #expect(c.problem == .estimation && c.eta == 0.02 && c.steps == 20000)
            #expect(c.spectrum == [10, 5, 2, 1, 0.5])
            #expect(c.recordEvery == 10 && c.initKind == .identity)  // defaults
            #expect(task.key == TaskKey(for: c))
            #expect(task.canonicalJSON == CanonicalForm.json(for: c))
        }
        #expect(Set(tasks.map(\.key)).count == 60)
        #expect(try spec.expand() == tasks)
    }

    @Test func gridWithoutSweptParametersIsOneTask() throws {
        let spec = try SweepFile.parse(
            text: "name: one\nmethod: grid\nparameters:\n  depth: {value: 4}\n", fileName: "o")
        #expect(spec.taskCount == 1 && spec.sweptParameterNames.isEmpty)
        let tasks = try spec.expand()
        #expect(tasks.count == 1 && tasks[0].config.depth == 4)
    }

    @Test func duplicateTasksCollapseKeepingTheFirst() throws {
        let text = """
            name: dups
            method: grid
            parameters:
              alpha: {values: [0.1, 0.2, 0.10, 1e-1]}
              n: {values: [null, 5, 6]}

            """
        let spec = try SweepFile.parse(text: text, fileName: "d.yaml")
        #expect(spec.taskCount == 12)
        let tasks = try spec.expand()
        // n = null resolves to 5 (the default spectrum's length): the same task as n = 5.
        #expect(tasks.map(\.config.alpha) == [0.1, 0.1, 0.2, 0.2])
        #expect(tasks.map(\.config.n) == [nil, 6, nil, 6])
    }

    @Test func randomDrawsAreSeededAndInRange() throws {
        let spec = try Self.load("random.yaml")
        #expect(spec.method == .random && spec.count == 200 && spec.seed == 7 && spec.taskCount == 200)
        #expect(spec.sweptParameterNames == ["depth", "alpha", "eta", "init"])
        let tasks = try spec.expand()
        #expect(tasks.count == 200)  // real-valued draws make collisions practically impossible
        #expect(try spec.expand() == tasks)
        for t in tasks {
            #expect((2...4).contains(t.config.depth))
            #expect(t.config.alpha >= 0.001 && t.config.alpha < 0.1)
            #expect(t.config.eta >= 0.01 && t.config.eta < 0.02)
            #expect(t.config.steps == 500)
        }
        #expect(Set(tasks.map(\.config.depth)) == [2, 3, 4])
        #expect(Set(tasks.map(\.config.initKind)) == Set(InitKind.allCases))
        // Log-uniform: about half the draws below the geometric midpoint 0.01.
        let below = tasks.filter { $0.config.alpha < 0.01 }.count
        #expect((70...130).contains(below))

        let reseeded = try SweepFile.parse(
            text: spec.sourceText.replacingOccurrences(of: "seed: 7", with: "seed: 8"), fileName: "r.yaml")
        #expect(Set(try reseeded.expand().map(\.key)).isDisjoint(with: tasks.map(\.key)))
    }

    /// Replays the documented draw order with an independent use of the generator.
    @Test func randomDrawsFollowTheDocumentedAlgorithm() throws {
        let text = """
            name: replay
            method: random
            count: 5
            seed: 123
            parameters:
              steps: {value: 10}
              alpha: {distribution: uniform, min: 0.01, max: 0.09}
              init: {values: [identity, orthogonal, gaussian]}
              depth: {distribution: int_uniform, min: 1, max: 6}
              eta: {distribution: log_uniform_values, min: 0.0001, max: 0.01}

            """
        let tasks = try SweepFile.parse(text: text, fileName: "r.yaml").expand()
        var rng = Xoshiro256StarStar(seed: 123)
        func index(_ n: UInt64) -> UInt64 {
            // Reject r below 2^64 mod n, then r mod n.
            let reject = (UInt64.max % n + 1) % n
            while true {
                let r = rng.next()
                if r >= reject { return r % n }
            }
        }
        #expect(tasks.count == 5)
        for task in tasks {
            let alpha = 0.01 + 0.08 * Double(rng.next() >> 11) / 9_007_199_254_740_992
            let initKind = InitKind.allCases[Int(index(3))]
            let depth = 1 + Int(index(6))
            let u = Double(rng.next() >> 11) / 9_007_199_254_740_992
            let eta = exp(log(0.0001) + (log(0.01) - log(0.0001)) * u)
            #expect(task.config.alpha == alpha)
            #expect(task.config.initKind == initKind)
            #expect(task.config.depth == depth)
            #expect(task.config.eta == eta)
            #expect(task.config.steps == 10)
        }
    }

    @Test func smallIntegerDomainsCollapseRepeatedDraws() throws {
        let text =
            "name: s\nmethod: random\ncount: 50\nparameters:\n  seed: {distribution: int_uniform, min: 0, max: 3}\n"
        let spec = try SweepFile.parse(text: text, fileName: "s.yaml")
        #expect(spec.taskCount == 50)
        let tasks = try spec.expand()
        #expect(Set(tasks.map(\.config.seed)) == [0, 1, 2, 3])
        #expect(tasks.count == 4)
    }

    @Test func listRunsInOrderWithSharedValues() throws {
        let spec = try Self.load("list.yaml")
        #expect(spec.method == .list && spec.taskCount == 5)
        #expect(spec.sweptParameterNames == ["n", "depth", "spectrum", "alpha"])
        let tasks = try spec.expand()
        #expect(tasks.count == 4)  // the last run repeats the first
        #expect(tasks.map(\.config.depth) == [2, 3, 4, 3])
        #expect(tasks.map(\.config.alpha) == [0.01, 0.1, 0.01, 0.01])
        #expect(tasks.allSatisfy { $0.config.steps == 1000 })
        #expect(tasks[2].config.n == 6 && tasks[2].config.resolvedSpectrum == [3, 2, 1, 0, 0, 0])
    }

    @Test func combinationErrorsOfRandomDrawsNameTheTask() throws {
        let text = """
            name: r
            method: random
            count: 40
            parameters:
              n: {value: 3}
              rank: {distribution: int_uniform, min: 1, max: 5}

            """
        let spec = try SweepFile.parse(text: text, fileName: "r.yaml")
        let error = try #require(throws: SweepError.self) { try spec.expand() }
        #expect(error.line == 6 && error.column == 3)
        #expect(error.message.hasPrefix("rank: must be ≤ n (3), got "))
        #expect(error.message.contains("(random task "))
    }

    @Test func jsonWithoutSpacesAndUnicodeEscapes() throws {
        let text =
            #"{"name":"j","method":"grid","parameters":{"problem":{"value":"\u0073ensing"},"depth":{"values":[2,3]}}}"#
        let tasks = try SweepFile.parse(text: text, fileName: "j.json").expand()
        #expect(tasks.map(\.config.depth) == [2, 3])
        #expect(tasks.allSatisfy { $0.config.problem == .sensing })
    }

    /// W&B runs `count` runs even when draws repeat; dmfsweep keys tasks by their parameters, so a
    /// repeated draw is the same task: the spec says how many draws collapsed.
    @Test func repeatedRandomDrawsCollapseAndAreCounted() throws {
        let text = "name: r\nmethod: random\ncount: 10\nparameters:\n  depth: {values: [2, 3]}\n"
        let spec = try SweepFile.parse(text: text, fileName: "r.yaml")
        let tasks = try spec.expand()
        #expect(spec.taskCount == 10)
        #expect(Set(tasks.map(\.config.depth)) == [2, 3] && tasks.count == 2)
        #expect(
            spec.collapsedNote(distinct: tasks.count)
                == "count: 10 draws, 8 of them repeated an earlier draw (same parameters, same task key) and "
                + "collapsed into it: 2 distinct task(s)")
        let grid = try SweepFile.parse(
            text: "name: g\nmethod: grid\nparameters:\n  alpha: {values: [1, 1.0, 2]}\n", fileName: "g.yaml")
        #expect(
            grid.collapsedNote(distinct: try grid.expand().count)
                == "3 grid combinations, 1 of them repeated an earlier one (same parameters, same task key) and "
                + "collapsed into it: 2 distinct task(s)")
        let distinct = try SweepFile.parse(
            text: "name: g\nmethod: grid\nparameters:\n  alpha: {values: [1, 2]}\n", fileName: "g.yaml")
        #expect(distinct.collapsedNote(distinct: try distinct.expand().count) == nil)
    }

    /// Every draw of every distribution lies in [min, max], also for bounds one ulp apart, spanning
    /// the whole range of doubles, or at the extremes of the integers.
    @Test(arguments: [
        ("tolerance", "uniform", "0.1", "0.10000000000000002"),
        ("tolerance", "log_uniform_values", "0.1", "0.10000000000000002"),
        ("tolerance", "uniform", "1e-300", "1.7976931348623157e308"),
        ("tolerance", "log_uniform_values", "5e-324", "1.7976931348623157e308"),
        ("tolerance", "log_uniform_values", "0.3", "0.30000000000000004"),
        ("tolerance", "uniform", "1", "1.0000000000000002"),
        ("seed", "int_uniform", "9223372036854775806", "9223372036854775807"),
        ("depth", "int_uniform", "1", "2"),
    ])
    func drawsNeverLeaveTheirBounds(parameter: String, distribution: String, min: String, max: String) throws {
        let text = """
            name: edge
            method: random
            count: 20000
            parameters:
              \(parameter): {distribution: \(distribution), min: \(min), max: \(max)}

            """
        let tasks = try SweepFile.parse(text: text, fileName: "e.yaml").expand()
        #expect(!tasks.isEmpty)
        for task in tasks {
            if parameter == "tolerance" {
                let lo = try #require(Double(min))
                let hi = try #require(Double(max))
                #expect(task.config.tolerance >= lo && task.config.tolerance <= hi, "\(task.config.tolerance)")
            } else {
                let v = parameter == "seed" ? Int(task.config.seed) : task.config.depth
                #expect(v >= Int(min)! && v <= Int(max)!)
            }
        }
        if distribution == "int_uniform" { #expect(tasks.count == 2) }
    }

    /// The uniform map itself at the ends of [0, 1), where rounding or an overflowing width could
    /// leave [a, b].
    @Test func uniformMapStaysInsideItsBounds() {
        let big = Double.greatestFiniteMagnitude
        let lastU = 1 - 0x1p-53
        for (a, b) in [(-big, big), (0.1, 0.1.nextUp), (-1e-300, 1e-300), (1, 1.nextUp), (-big, -big.nextDown)] {
            for u in [0, 0x1p-53, 0.25, 0.5, lastU.nextDown, lastU] {
                let x = SweepSpec.uniform(u, a, b)
                #expect(x.isFinite && x >= a && x <= b, "u \(u) in [\(a), \(b)] gave \(x)")
            }
        }
    }
}
