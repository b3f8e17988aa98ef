import Factorization
import Foundation
import TestSupport
import Testing

/// Every registry entry with a `range` refuses a value outside it with the same message through
/// all three doors: a sweep file (`plan`), the `simulate` flag, and `validate()` on a configuration
/// built in code — so a parameter's own check lives in its entry alone.
@Suite struct ParameterRangeTests {
    /// An out-of-range value per ranged parameter, spelled for YAML and for the command line: each
    /// bound itself where it is excluded, one below an included lower bound, and past an upper one.
    static var cases: [(name: String, yaml: String, flag: String)] {
        SimulationConfig.parameters.flatMap { spec -> [(String, String, String)] in
            guard let range = spec.range else { return [] }
            func number(_ d: Double) -> String {
                if case .integer = spec.kind { return String(Int(d)) }
                return d.rounded() == d ? String(Int(d)) : String(d)
            }
            let integer = spec.kind == .integer
            switch range {
            case .atLeast(let b):
                let v = number(integer ? b - 1 : b - 0.25)
                return [(spec.name, v, v)]
            case .above(let b):
                return [(spec.name, number(b), number(b)), (spec.name, number(b - 2), number(b - 2))]
            case .leftOpen(let a, let c):
                return [(spec.name, number(a), number(a)), (spec.name, number(c + 0.5), number(c + 0.5))]
            case .nonEmptyList:
                return [(spec.name, "[]", "")]
            case .zeroOneMatrix:
                // A file holding a 2 (written by the test): `file:` marks the file's contents.
                return [(spec.name, "file:0,1\n2,1\n", "file:0,1\n2,1\n")]
            case .finiteMatrix:
                // A file cannot hold a non-finite entry (`MatrixFile.load` refuses it first, with
                // the file's name): `matrixRangesAreCheckedByValidate` covers these.
                return []
            }
        }
    }

    @Test func everyRangedParameterIsCovered() {
        let ranged = SimulationConfig.parameters.filter { $0.range != nil }.map(\.name)
        #expect(Set(Self.cases.map(\.name)).union(["target", "clean"]) == Set(ranged))
        // The parameters whose own checks used to be written out in validate().
        let expected = [
            "n", "depth", "spectrum", "rank", "decay", "noise", "alpha", "eta", "steps", "record_every",
            "tolerance", "seed", "measurements", "observed", "stop_loss", "rows", "width", "target", "clean", "mask",
        ]
        #expect(ranged == expected)
    }

    /// A target or clean matrix built in code (a file cannot hold one) that is empty or not finite
    /// is refused by `validate()` with its entry's message.
    @Test func matrixRangesAreCheckedByValidate() throws {
        for name in ["target", "clean"] {
            var config = SimulationConfig()
            config.symmetric = false
            config.problem = .completion
            let bad = Matrix(rowMajor: [[1, 2], [.nan, 4]])
            try config.set(name, to: .matrix(MatrixValue(matrix: bad, sha256: "x")))
            #expect(throws: ParameterError(parameter: name, message: "has a non-finite entry nan at row 2, column 1")) {
                try config.validate()
            }
        }
    }

    @Test(arguments: cases)
    func outOfRangeValueGivesOneMessageEverywhere(name: String, yaml: String, flag: String) throws {
        let spec = try #require(SimulationConfig.parameter(named: name))
        let dir = try TemporaryDirectory(prefix: "range")
        var yaml = yaml
        var flag = flag
        if yaml.hasPrefix("file:") {
            try String(yaml.dropFirst(5)).write(toFile: dir.path("m.csv"), atomically: true, encoding: .utf8)
            (yaml, flag) = ("m.csv", dir.path("m.csv"))
        }
        let file = dir.path("r.yaml")
        try "name: r\nmethod: grid\nparameters:\n  \(name): {value: \(yaml)}\n"
            .write(toFile: file, atomically: true, encoding: .utf8)

        let plan = try runProcess(["plan", file])
        #expect(plan.status == 2, "\(plan.stderr)")
        // `dmfsweep: error: r.yaml:4:C: name: message`
        let prefix = "dmfsweep: error: \(file):4:"
        let sweepLine = plan.stderr.trimmingCharacters(in: .newlines)
        try #require(sweepLine.hasPrefix(prefix) && !sweepLine.contains("\n"), "\(plan.stderr)")
        let afterColumn = sweepLine.dropFirst(prefix.count).drop { $0.isNumber }
        try #require(afterColumn.hasPrefix(": \(name): "), "\(sweepLine)")
        let sweepMessage = String(afterColumn.dropFirst(": \(name): ".count))

        let simulate = try runProcess(["simulate", spec.flag, flag])
        #expect(simulate.status == 2 && simulate.stdout.isEmpty, "\(simulate.stderr)")
        #expect(simulate.stderr == "dmfsweep: error: \(spec.flag): \(sweepMessage)\n")

        // The message says what is allowed and what was given.
        let range = try #require(spec.range)
        if case .nonEmptyList(let item) = range {
            #expect(sweepMessage == "must list at least one \(item)")
        } else if case .zeroOneMatrix = range {
            #expect(sweepMessage == "must hold only 0 and 1, got 2.0 at row 2, column 1")
        } else {
            let bound = range.allowed.split(separator: " ").last.map(String.init) ?? ""
            #expect(sweepMessage.hasPrefix("must be "), "\(sweepMessage)")
            #expect(sweepMessage.contains(bound.trimmingCharacters(in: CharacterSet(charactersIn: "(]"))))
            #expect(sweepMessage.hasSuffix(", got " + (spec.kind == .real ? String(Double(flag)!) : flag)))
        }

        // validate() on a configuration built in code says the same (the seed's field, a UInt64,
        // cannot hold a negative value: setting one is refused as a wrong type instead).
        var config = SimulationConfig()
        let value: ParameterValue
        switch spec.kind {
        case .integer: value = .integer(Int(flag)!)
        case .real: value = .real(Double(flag)!)
        case .matrix: value = .matrix(MatrixValue(matrix: Matrix(rowMajor: [[0, 1], [2, 1]]), sha256: "x"))
        default: value = .realList([])
        }
        if case .matrix = spec.kind { config.problem = .completion }
        if name == "seed" {
            #expect(throws: ParameterError.self) { try config.set(name, to: value) }
        } else {
            try config.set(name, to: value)
            #expect(throws: ParameterError(parameter: name, message: sweepMessage)) { try config.validate() }
        }
    }
}
