import Cluster
import Factorization
import Foundation
import Sweeps

/// `dmfsweep simulate`: runs one simulation and prints its result (JSON or a table).
///
/// Its flags are the parameter registry (`SimulationConfig.parameters`), so every flag is a sweep
/// parameter of the same name (`--record-every` ↔ `record_every`), plus `--format`.
enum SimulateCommand {
    static let command = Command(
        name: "simulate",
        summary: "run one gradient-descent simulation and print loss, effective rank and intervals",
        usage: "[options]",
        discussion: """
            Runs gradient descent on a deep factorization W = W_N ⋯ W_1 of the ground truth Y = V diag(λ) Vᵀ
            and reports the trajectory, the targets erank(Y_r) and the longest runs within --tolerance of
            each target. Output is a table on a terminal and one JSON object otherwise (--format overrides).
            Exit status 0 for every finished, converged or diverged run; 2 for bad input.
            """,
        options: SimulationConfig.parameters.map(option(for:))
            + [
                OptionSpec(
                    flag: "--format", valueName: "json|table", help: "output format",
                    defaultValue: "table on a terminal, else json"),
                OptionSpec(
                    flag: "--save-instance", valueName: "DIR",
                    help:
                        "write target, clean, mask, operator, measurements and the initial factors factor1…N (W_j(0)) "
                        + "as .npy into DIR",
                    defaultValue: "none"),
            ],
        run: run)

    /// The help line of one registry parameter.
    static func option(for spec: ParameterSpec) -> OptionSpec {
        let valueName: String
        switch spec.kind {
        case .integer: valueName = "INT"
        case .real: valueName = "X"
        case .choice(let words): valueName = words.joined(separator: "|")
        case .realList: valueName = "X,Y,…"
        case .matrix: valueName = "FILE"
        }
        let shownDefault = spec.shownDefault ?? spec.defaultValue.description
        // The registry's help may already name its default in parentheses; show it once, uniformly.
        var help = spec.help
        if let paren = help.range(of: " (default") { help = String(help[..<paren.lowerBound]) }
        // A matrix's range (finite, 0/1) is what its help already says.
        if let range = spec.range, spec.kind != .matrix { help += ", " + range.allowed }
        return OptionSpec(flag: spec.flag, valueName: valueName, help: help, defaultValue: shownDefault)
    }

    /// Turns the flags into a validated configuration.
    /// - Throws: `UsageError` naming the flag and what it accepts.
    static func configuration(from args: ParsedArguments) throws -> SimulationConfig {
        _ = try args.positionals(exactly: 0, names: "nothing")
        var config = SimulationConfig()
        for spec in SimulationConfig.parameters {
            let flag = spec.flag
            let value: ParameterValue?
            switch spec.kind {
            case .integer:
                // A seed past Int.max is a valid UInt64 the parser would call "not an integer".
                if spec.name == "seed", let raw = args.string(flag), Int(raw) == nil, UInt64(raw) != nil {
                    throw UsageError("\(flag): must be between 0 and \(Int.max), got \(raw)")
                }
                value = try args.int(flag).map(ParameterValue.integer)
            case .real: value = try args.double(flag).map(ParameterValue.real)
            case .choice(let words): value = try args.choice(flag, words).map(ParameterValue.text)
            case .realList:
                // An empty value is an empty list, judged by the registry's range like a sweep file's `[]`.
                let empty = args.string(flag).map { $0.trimmingCharacters(in: .whitespaces).isEmpty } ?? false
                value = empty ? .realList([]) : try args.doubles(flag).map(ParameterValue.realList)
            case .matrix:
                if let path = args.string(flag) {
                    do {
                        value = .matrix(try MatrixFile.load(path: path))
                    } catch {
                        throw UsageError("\(flag): \(error)")
                    }
                } else {
                    value = nil
                }
            }
            guard let value else { continue }
            do {
                // The value's own range (the registry's), then its type into the configuration.
                try spec.check(value)
                try config.set(spec.name, to: value)
            } catch {
                throw UsageError("\(flag): \(error.message)")
            }
        }
        do {
            try config.validate()
        } catch {
            throw usage(error)
        }
        return config
    }

    /// A `ParameterError` as a usage error naming the flag.
    static func usage(_ error: ParameterError) -> UsageError {
        let flag = SimulationConfig.parameter(named: error.parameter)?.flag ?? error.parameter
        return UsageError("\(flag): \(error.message)")
    }

    /// Writes the instance `config` runs on as `.npy` files (`SimulationInstance`): `target.npy`,
    /// `clean.npy`, `mask.npy` (completion), `operator.npy` and `measurements.npy` (sensing) and
    /// `factor1.npy` … `factorN.npy` (the initial factors W_j(0), W_1 first), all float64.
    /// - Throws: `UsageError` when DIR cannot be created or written.
    static func saveInstance(_ config: SimulationConfig, to dir: String) throws {
        let instance: SimulationInstance
        do {
            instance = try Simulation.instance(config)
        } catch {
            throw usage(error)
        }
        var files: [(String, Matrix)] = [("target", instance.target), ("clean", instance.clean)]
        if let m = instance.mask { files.append(("mask", m)) }
        if let a = instance.sensingOperator { files.append(("operator", a)) }
        if let y = instance.measurements { files.append(("measurements", y)) }
        for (j, w) in instance.factors.enumerated() { files.append(("factor\(j + 1)", w)) }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for (name, matrix) in files { try NPYFile.write(matrix, to: dir + "/" + name + ".npy") }
        } catch {
            throw UsageError("--save-instance: cannot write into \(dir): \(error.localizedDescription)")
        }
    }

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let config = try configuration(from: args)
        let format = try args.choice("--format", ["json", "table"]) ?? (isatty(STDOUT_FILENO) != 0 ? "table" : "json")
        if let dir = args.string("--save-instance") { try saveInstance(config, to: dir) }
        let result: SimulationResult
        do {
            result = try Simulation.timedRun(config)
        } catch {
            throw usage(error)
        }
        print(format == "json" ? result.json() : Table.render(result, config: config))
        return 0
    }
}
