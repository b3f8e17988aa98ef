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
            }
        }
    }

    @Test func everyRangedParameterIsCovered() {
        let ranged = SimulationConfig.parameters.filter { $0.range != nil }.map(\.name)
        #expect(Set(Self.cases.map(\.name)) == Set(ranged))
        // The parameters whose own checks used to be written out in validate().
        let expected = [
            "n", "depth", "spectrum", "rank", "decay", "noise", "alpha", "eta", "steps", "record_every",
            "tolerance", "seed", "measurements", "observed", "stop_loss", "rows", "width",
        ]
        #expect(ranged == expected)
    }

    @Test(arguments: cases)
    func outOfRangeValueGivesOneMessageEverywhere(name: String, yaml: String, flag: String) throws {
        let spec = try #require(SimulationConfig.parameter(named: name))
        let dir = try TemporaryDirectory(prefix: "range")
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
        default: value = .realList([])
        }
        if name == "seed" {
            #expect(throws: ParameterError.self) { try config.set(name, to: value) }
        } else {
            try config.set(name, to: value)
            #expect(throws: ParameterError(parameter: name, message: sweepMessage)) { try config.validate() }
        }
    }
}
