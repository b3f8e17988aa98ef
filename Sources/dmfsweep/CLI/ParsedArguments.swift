import Foundation
import Sweeps

/// The arguments of one command after parsing: positionals, option values and switches.
///
/// Typed accessors turn values into numbers and throw `UsageError`s that name the flag and what
/// it accepts, so every command reports bad input the same way.
struct ParsedArguments: Sendable {
    /// The command these arguments belong to (for messages).
    let command: String
    /// The options the command accepts, by flag (for messages about missing ones).
    private let specs: [String: OptionSpec]
    /// Arguments that are not options, in order.
    var positionals: [String] = []
    /// Values of options that take one, by flag, in the order given.
    var values: [String: [String]] = [:]
    /// Boolean switches that were given.
    var switches: Set<String> = []

    /// Parses `arguments` (without the program and command names) against `command`'s options.
    /// Accepts `--flag value` and `--flag=value`; `--` ends option parsing.
    /// - Throws: `UsageError` for an unknown option (with a suggestion), a missing value, or a
    ///   non-repeatable option given twice.
    init(_ arguments: [String], for command: Command) throws {
        self.command = command.name
        self.specs = Dictionary(command.options.map { ($0.flag, $0) }, uniquingKeysWith: { a, _ in a })
        var i = 0
        var optionsEnded = false
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            if optionsEnded || !arg.hasPrefix("-") || arg == "-" || Double(arg) != nil {
                positionals.append(arg)
                continue
            }
            if arg == "--" {
                optionsEnded = true
                continue
            }
            var flag = arg
            var inline: String? = nil
            if let eq = arg.firstIndex(of: "=") {
                flag = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            guard let spec = command.options.first(where: { $0.flag == flag }) else {
                var message = "unknown option '\(flag)' for 'dmfsweep \(command.name)'"
                if let near = Suggestion.closest(to: flag, among: command.options.map(\.flag)) {
                    message += " (did you mean '\(near)'?)"
                }
                throw UsageError(message + "; see 'dmfsweep \(command.name) --help'")
            }
            if spec.valueName == nil {
                if inline != nil { throw UsageError("\(flag) takes no value") }
                switches.insert(flag)
                continue
            }
            let value: String
            if let inline {
                value = inline
            } else {
                guard i < arguments.count else {
                    throw UsageError("\(flag) needs a value: \(spec.valueName!) (\(spec.help))")
                }
                value = arguments[i]
                i += 1
            }
            if values[flag] != nil && !spec.repeatable {
                throw UsageError("\(flag) given twice")
            }
            values[flag, default: []].append(value)
        }
    }

    /// Whether a boolean switch was given.
    func has(_ flag: String) -> Bool { switches.contains(flag) }

    /// The last value of an option, or `nil`.
    func string(_ flag: String) -> String? { values[flag]?.last }

    /// The value of an option the command cannot run without.
    /// - Throws: `UsageError` "missing --store STORE: summary store: a file or a postgresql:// URI; see 'dmfsweep query --help'",
    ///   built from the option's own placeholder and help text.
    func required(_ flag: String) throws -> String {
        if let value = string(flag) { return value }
        let spec = specs[flag]
        let placeholder = spec?.valueName.map { " " + $0 } ?? ""
        let help = spec.map { ": " + $0.help } ?? ""
        throw UsageError("missing \(flag)\(placeholder)\(help); see 'dmfsweep \(command) --help'")
    }

    /// Every value of a repeatable option.
    func strings(_ flag: String) -> [String] { values[flag] ?? [] }

    /// An integer option within `range`.
    func int(_ flag: String, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard let raw = string(flag) else { return nil }
        guard let v = Int(raw.trimmingCharacters(in: .whitespaces)) else {
            throw UsageError("\(flag): expected an integer, got '\(raw)'")
        }
        guard range.contains(v) else { throw UsageError("\(flag): must be \(Self.describe(range)), got \(v)") }
        return v
    }

    /// A finite real option.
    func double(_ flag: String) throws -> Double? {
        guard let raw = string(flag) else { return nil }
        guard let v = Double(raw.trimmingCharacters(in: .whitespaces)), v.isFinite else {
            throw UsageError("\(flag): expected a finite number, got '\(raw)'")
        }
        return v
    }

    /// A comma-separated list of finite reals.
    func doubles(_ flag: String) throws -> [Double]? {
        guard let raw = string(flag) else { return nil }
        let parts = raw.split(separator: ",", omittingEmptySubsequences: false)
        var out: [Double] = []
        for p in parts {
            guard let v = Double(p.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                throw UsageError("\(flag): expected comma-separated finite numbers like 10,5,2, got '\(raw)'")
            }
            out.append(v)
        }
        return out
    }

    /// A comma-separated list of words.
    func list(_ flag: String) -> [String]? {
        string(flag).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// One of a fixed set of words.
    func choice(_ flag: String, _ allowed: [String]) throws -> String? {
        guard let raw = string(flag) else { return nil }
        guard allowed.contains(raw) else {
            throw UsageError("\(flag): expected one of \(allowed.joined(separator: "|")), got '\(raw)'")
        }
        return raw
    }

    /// Requires exactly `count` positionals and returns them.
    func positionals(exactly count: Int, names: String) throws -> [String] {
        guard positionals.count == count else {
            if positionals.count < count {
                throw UsageError("missing \(names); see 'dmfsweep \(command) --help'")
            }
            throw UsageError("unexpected argument '\(positionals[count])'; see 'dmfsweep \(command) --help'")
        }
        return positionals
    }

    private static func describe(_ r: ClosedRange<Int>) -> String {
        if r.upperBound == Int.max { return "≥ \(r.lowerBound)" }
        if r.lowerBound == Int.min { return "≤ \(r.upperBound)" }
        return "between \(r.lowerBound) and \(r.upperBound)"
    }
}
