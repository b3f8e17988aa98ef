import Factorization
import Foundation
import TestSupport
import Testing

@testable import Sweeps

/// Golden keys: the canonical JSON is written here by hand from the spec in `CanonicalForm`
/// (docs/task-keys.md) and its SHA-256 was computed outside the project with
/// `printf '%s' '<json>' | sha256sum`.
@Suite struct TaskKeyTests {
    static let defaultJSON =
        #"{"v":1,"problem":"estimation","n":5,"depth":3,"spectrum":[10,5,2,1,0.5],"rank":null,"decay":0.5,"#
        + #""noise":0,"init":"identity","alpha":0.05,"eta":0.02,"steps":3000,"record_every":10,"tolerance":0.1,"#
        + #""seed":0,"path":"auto","measurements":null,"observed":0.5,"stop_loss":null}"#
    static let defaultKey = "e7da82e1e465e32e07fcdbfe00aa4a5fe767470e0930cf2ce62b9d6b5d8e05ab"

    @Test func defaultConfigurationGoldenKey() {
        let config = SimulationConfig()
        #expect(CanonicalForm.json(for: config) == Self.defaultJSON)
        #expect(TaskKey(for: config).hex == Self.defaultKey)
        let task = SweepTask(config: config)
        #expect(task.key.hex == Self.defaultKey && task.canonicalJSON == Self.defaultJSON)
    }

    @Test func everyParameterSetGoldenKey() throws {
        var c = SimulationConfig()
        try c.set("problem", to: .text("sensing"))
        try c.set("n", to: .integer(8))
        try c.set("depth", to: .integer(4))
        try c.set("spectrum", to: .realList([3, 2, 1]))
        try c.set("noise", to: .real(0.01))
        try c.set("init", to: .text("gaussian"))
        try c.set("alpha", to: .real(1e-7))
        try c.set("eta", to: .real(0.5))
        try c.set("steps", to: .integer(100_000))
        try c.set("record_every", to: .integer(100))
        try c.set("tolerance", to: .real(0.05))
        try c.set("seed", to: .integer(Int.max))
        try c.set("path", to: .text("full"))
        try c.set("measurements", to: .integer(40))
        try c.set("observed", to: .real(0.25))
        try c.set("stop_loss", to: .real(1e-12))
        try c.validate()
        let json =
            #"{"v":1,"problem":"sensing","n":8,"depth":4,"spectrum":[3,2,1,0,0,0,0,0],"rank":null,"decay":0.5,"#
            + #""noise":0.01,"init":"gaussian","alpha":1e-7,"eta":0.5,"steps":100000,"record_every":100,"#
            + #""tolerance":0.05,"seed":9223372036854775807,"path":"full","measurements":40,"observed":0.25,"#
            + #""stop_loss":1e-12}"#
        #expect(CanonicalForm.json(for: c) == json)
        #expect(TaskKey(for: c).hex == "1aaa6324fcb139593764ab10ad313d957b3e97c812e44cca3237efb3cbeb452a")
    }

    @Test func generatedSpectrumGoldenKey() throws {
        var c = SimulationConfig()
        try c.set("problem", to: .text("completion"))
        try c.set("depth", to: .integer(2))
        try c.set("rank", to: .integer(3))
        try c.set("decay", to: .real(0.3))
        try c.set("init", to: .text("orthogonal"))
        try c.set("alpha", to: .real(0.001))
        try c.set("eta", to: .real(0.1))
        try c.set("seed", to: .integer(42))
        let json =
            #"{"v":1,"problem":"completion","n":3,"depth":2,"spectrum":null,"rank":3,"decay":0.3,"noise":0,"#
            + #""init":"orthogonal","alpha":0.001,"eta":0.1,"steps":3000,"record_every":10,"tolerance":0.1,"#
            + #""seed":42,"path":"auto","measurements":null,"observed":0.5,"stop_loss":null}"#
        #expect(CanonicalForm.json(for: c) == json)
        #expect(TaskKey(for: c).hex == "f87ed8469ec94a60e37fc6505e525518d16700082ef0cd362d8cac4d4ba34851")
    }

    @Test func versionOneCoversTheWholeRegistry() {
        // A parameter missing from this list would be left out of keys at its default value.
        #expect(Array(SimulationConfig.parameters.prefix(18).map(\.name)) == CanonicalForm.versionOneParameters)
        #expect(SimulationConfig.parameters.count >= 18)
    }

    @Test func sha256KnownAnswers() {
        // FIPS 180-2 test vectors.
        #expect(SHA256Digest.hex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256Digest.hex(of: Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    // MARK: Same task, different spellings

    /// The keys of a one-task-per-entry sweep body (parameters only).
    static func keys(_ parameters: String, method: String = "grid") throws -> [String] {
        let text = "name: t\nmethod: \(method)\nparameters:\n\(parameters)"
        return try SweepFile.parse(text: text, fileName: "t.yaml").expand().map(\.key.hex)
    }

    @Test(arguments: [
        ("  alpha: {value: 1}\n", "  alpha: {value: 1.0}\n"),
        ("  alpha: {value: 1}\n", "  alpha: {value: 10e-1}\n"),
        ("  eta: {value: 0.020}\n", "  eta: {value: 2e-2}\n"),
        ("  steps: {value: 10000}\n", "  steps: {value: 1e4}\n"),
        ("  noise: {value: -0.0}\n", "  noise: {value: 0}\n"),
        ("  n: {value: 6}\n  spectrum: {value: [10, 5, 2]}\n", "  spectrum: {value: [10, 5, 2, 0, 0, 0]}\n"),
        (
            "  n: {value: 6}\n  spectrum: {value: [10, 5, 2]}\n",
            "  spectrum: {value: [10.0, 5.0, 2.0, 0.0, 0.0, 0.0]}\n  n: {value: 6}\n"
        ),
        ("  n: {value: 5}\n", "  n: {value: null}\n"),
        (
            "  problem: {value: sensing}\n  depth: {value: 4}\n",
            "  depth: {value: 4}\n  problem: {value: \"sensing\"}\n"
        ),
        (
            "  depth: {values: [2, 3]}\n  alpha: {values: [0.1, 0.2]}\n",
            "  alpha: {values: [0.1, 0.2]}\n  depth:\n    values:\n      - 2\n      - 3\n"
        ),
    ])
    func sameTaskSameKey(a: String, b: String) throws {
        let ka = try Self.keys(a)
        let kb = try Self.keys(b)
        #expect(Set(ka) == Set(kb))
        #expect(ka.count == kb.count)
    }

    @Test func explicitDefaultsEqualOmitted() throws {
        let explicit = """
              problem: {value: estimation}
              n: {value: 5}
              depth: {value: 3}
              spectrum: {value: [10, 5, 2, 1, 0.5]}
              rank: {value: null}
              decay: {value: 0.5}
              noise: {value: 0}
              init: {value: identity}
              alpha: {value: 0.05}
              eta: {value: 0.02}
              steps: {value: 3000}
              record_every: {value: 10}
              tolerance: {value: 0.1}
              seed: {value: 0}
              path: {value: auto}
              measurements: {value: ~}
              observed: {value: 0.5}
              stop_loss: {value: null}

            """
        #expect(try Self.keys(explicit) == [Self.defaultKey])
        #expect(try Self.keys("  depth: {value: 3}\n") == [Self.defaultKey])
        let list = "name: t\nmethod: list\nruns:\n  - {}\n  - {depth: 3, alpha: 0.05}\n"
        #expect(try SweepFile.parse(text: list, fileName: "l.yaml").expand().map(\.key.hex) == [Self.defaultKey])
    }

    @Test func yamlAndJSONSpellingsGiveTheSameKeys() throws {
        let dir = TestPaths.repositoryRoot.appendingPathComponent("Tests/SweepsTests/Fixtures/good")
        let yaml = try SweepFile.load(path: dir.appendingPathComponent("depth-vs-alpha.yaml").path).expand()
        let json = try SweepFile.load(path: dir.appendingPathComponent("depth-vs-alpha.json").path).expand()
        #expect(yaml.count == 60)
        #expect(yaml.map(\.key) == json.map(\.key))
    }

    // MARK: Any changed parameter changes the key

    /// A valid value different from the default, for every registry parameter.
    static let changes: [(String, ParameterValue)] = [
        ("problem", .text("sensing")), ("n", .integer(6)), ("depth", .integer(4)),
        ("spectrum", .realList([10, 5, 2, 1, 0.25])), ("rank", .integer(3)), ("decay", .real(0.25)),
        ("noise", .real(0.01)), ("init", .text("gaussian")), ("alpha", .real(0.05.nextUp)),
        ("eta", .real(0.01)), ("steps", .integer(3001)), ("record_every", .integer(5)),
        ("tolerance", .real(0.2)), ("seed", .integer(1)), ("path", .text("full")),
        ("measurements", .integer(30)), ("observed", .real(0.6)), ("stop_loss", .real(1e-10)),
        ("rows", .integer(4)), ("symmetric", .text("false")), ("width", .integer(7)),
        ("alpha_scope", .text("product")),
        ("target", .matrix(MatrixFile.value(Matrix(rowMajor: [[2, 1], [1, 0]])))),
        ("clean", .matrix(MatrixFile.value(Matrix(rowMajor: [[2, 1], [1, 0.5]])))),
        ("mask", .matrix(MatrixFile.value(Matrix(rows: 5, columns: 5, repeating: 1)))),
    ]

    /// Parameters a change needs next to it to be valid (a 4×5 target is not symmetric).
    static let companions: [String: [(String, ParameterValue)]] = [
        "rows": [("symmetric", .text("false"))],
        "clean": [("target", .matrix(MatrixFile.value(Matrix(rowMajor: [[2, 1], [1, 0]]))))],
        "mask": [("problem", .text("completion"))],
    ]

    /// The parameters added after version 1, written at their defaults (or as what they resolve to:
    /// rows = n, width = n), leave the key of every configuration unchanged.
    @Test func newParametersAtTheirDefaultsKeepTheKey() throws {
        let text = "name: t\nmethod: list\nruns:\n  - {rows: 5, symmetric: true, width: 5, alpha_scope: factor}\n"
        #expect(try SweepFile.parse(text: text, fileName: "d.yaml").expand().map(\.key.hex) == [Self.defaultKey])
        var wide = SimulationConfig()
        wide.symmetric = false
        wide.rows = 3
        let key = TaskKey(for: wide)
        wide.width = 5  // max(rows, n): the default width of a 3×5 target
        #expect(TaskKey(for: wide) == key)
        wide.width = 6
        #expect(TaskKey(for: wide) != key)
        #expect(CanonicalForm.json(for: wide).hasSuffix(#","rows":3,"symmetric":"false","width":6}"#))
    }

    @Test func everyChangedParameterChangesTheKey() throws {
        #expect(Self.changes.map(\.0) == SimulationConfig.parameters.map(\.name))
        var keys: Set<TaskKey> = [TaskKey(hex: Self.defaultKey)]
        for (name, value) in Self.changes {
            var c = SimulationConfig()
            try c.set(name, to: value)
            for (other, v) in Self.companions[name] ?? [] { try c.set(other, to: v) }
            try c.validate()
            #expect(keys.insert(TaskKey(for: c)).inserted, "changing \(name) kept an existing key")
        }
        #expect(keys.count == Self.changes.count + 1)
    }

    // MARK: Numbers

    @Test(arguments: [
        (1.0, "1"), (-0.0, "0"), (0.1, "0.1"), (100, "100"), (1.5, "1.5"), (-2.5, "-2.5"), (1e21, "1e+21"),
        (1e20, "100000000000000000000"), (1e-6, "0.000001"), (1e-7, "1e-7"), (2.5e-7, "2.5e-7"),
        (0.1 + 0.2, "0.30000000000000004"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        (Double.leastNonzeroMagnitude, "5e-324"), (0x1p53 + 2, "9007199254740994"),
    ])
    func numbersAreWrittenLikeECMAScript(value: Double, expected: String) {
        #expect(CanonicalForm.number(value) == expected)
    }

    /// 621 doubles (random bit patterns and decimals of every magnitude) with the text node's
    /// `JSON.stringify` gives for each (Fixtures/numbers-ecmascript.js).
    @Test func numbersMatchNodeJSONStringify() throws {
        let url = TestPaths.repositoryRoot.appendingPathComponent("Tests/SweepsTests/Fixtures/numbers-ecmascript.txt")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 621)
        for line in lines {
            let parts = line.split(separator: " ")
            let x = Double(bitPattern: try #require(UInt64(parts[0], radix: 16)))
            #expect(CanonicalForm.number(x) == String(parts[1]), "bits \(parts[0])")
        }
    }

    /// Keys hash and compare through a digest computed once: equal hex, equal keys (and hashes);
    /// the JSON form stays the one the synthesized conformance wrote.
    @Test func keysCompareByTheirHexAndKeepTheirJSONForm() throws {
        let one = TaskKey(hex: Self.defaultKey)
        let same = TaskKey(hex: String(Self.defaultKey.reversed().reversed()))
        let other = TaskKey(hex: String(Self.defaultKey.dropLast()) + "c")
        #expect(one == same && one.hashValue == same.hashValue)
        #expect(one != other && one != TaskKey(hex: Self.defaultKey.uppercased()))
        #expect(Set([one, same, other]).count == 2)
        #expect(Dictionary([(one, 1), (other, 2)], uniquingKeysWith: +)[same] == 1)
        // FNV-1a 64 of "a" (the published test vector: 0xaf63dc4c8601ec8c).
        #expect(TaskKey.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
        let json = String(decoding: try JSONEncoder().encode(one), as: UTF8.self)
        #expect(json == #"{"hex":"\#(Self.defaultKey)"}"#)
        #expect(try JSONDecoder().decode(TaskKey.self, from: Data(json.utf8)) == one)
    }
}
