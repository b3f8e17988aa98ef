import Factorization
import Foundation

/// Reading one parameter: its domain (`value`, `values`, `distribution`) and typed values.
extension SweepReader {
    static let domainKeys = ["value", "values", "distribution", "min", "max"]

    /// The registry entry for a parameter name written as a mapping key.
    func parameterSpec(_ entry: YAMLNode.Entry) throws(SweepError) -> ParameterSpec {
        guard let spec = SimulationConfig.parameter(named: entry.key) else {
            // W&B nests parameters as `name: {parameters: {…}}`; dmfsweep's parameters are flat.
            if entry.key == "parameters" || entry.value.entries?.contains(where: { $0.key == "parameters" }) == true {
                throw fail(
                    entry.keyMark,
                    "nested 'parameters' blocks are not supported: write each parameter directly under the "
                        + "top-level 'parameters:'")
            }
            let names = SimulationConfig.parameters.map(\.name)
            throw fail(
                entry.keyMark,
                "unknown parameter '\(entry.key)'" + Suggestion.hint(for: entry.key, among: names) + "; parameters are "
                    + names.joined(separator: ", "))
        }
        return spec
    }

    /// One entry of `parameters:`.
    func readParameter(_ entry: YAMLNode.Entry, method: SweepMethod) throws(SweepError) -> SweepParameter {
        let spec = try parameterSpec(entry)
        let name = spec.name
        guard let items = entry.value.entries else {
            throw fail(
                entry.value.mark,
                "parameter '\(name)' must be a mapping such as {value: …} or {values: […]}, "
                    + "got \(entry.value.shortDescription)")
        }
        var keys: [String: YAMLNode.Entry] = [:]
        for item in items {
            guard Self.domainKeys.contains(item.key) else {
                let hint =
                    Suggestion.closest(to: item.key, among: Self.domainKeys).map { "did you mean '\($0)'?" }
                    ?? "expected value, values, or distribution with min and max"
                throw fail(item.keyMark, "unknown key '\(item.key)' in parameter '\(name)' (\(hint))")
            }
            if item.key == "values", let other = keys["value"] ?? keys["distribution"] {
                throw fail(item.keyMark, "parameter '\(name)' has both '\(other.key)' and 'values'; give one")
            }
            if item.key == "value", let other = keys["values"] ?? keys["distribution"] {
                throw fail(item.keyMark, "parameter '\(name)' has both '\(other.key)' and 'value'; give one")
            }
            if item.key == "distribution", let other = keys["value"] ?? keys["values"] {
                throw fail(item.keyMark, "parameter '\(name)' has both '\(other.key)' and 'distribution'; give one")
            }
            keys[item.key] = item
        }

        if let item = keys["value"] {
            if let extra = keys["min"] ?? keys["max"] {
                throw fail(extra.keyMark, "'\(extra.key)' needs a 'distribution' (method random), not 'value'")
            }
            return SweepParameter(
                name: name, mark: entry.keyMark, domain: .value(try checkedValue(item.value, spec: spec)))
        }
        if let item = keys["values"] {
            if let extra = keys["min"] ?? keys["max"] {
                throw fail(extra.keyMark, "'\(extra.key)' needs a 'distribution' (method random), not 'values'")
            }
            if method == .list {
                throw fail(
                    item.keyMark, "'values' is not allowed with method list; write one entry per task under 'runs'")
            }
            guard let nodes = item.value.items else {
                throw fail(
                    item.value.mark,
                    "'values' of '\(name)' must be a list such as [1, 2], got \(item.value.shortDescription)")
            }
            guard !nodes.isEmpty else { throw fail(item.value.mark, "'values' of '\(name)' is empty") }
            var values: [LocatedValue] = []
            for node in nodes { values.append(try checkedValue(node, spec: spec)) }
            return SweepParameter(name: name, mark: entry.keyMark, domain: .values(values))
        }
        if let item = keys["distribution"] {
            guard method == .random else {
                throw fail(
                    item.keyMark,
                    "'distribution' needs method random (\(method.rawValue) takes \(method == .grid ? "value or values" : "value"))"
                )
            }
            return try readDistribution(item, entry: entry, keys: keys, spec: spec)
        }
        if let extra = keys["min"] ?? keys["max"] {
            throw fail(extra.keyMark, "'\(extra.key)' needs a 'distribution' (method random)")
        }
        throw fail(entry.value.mark, "parameter '\(name)' needs 'value', 'values' or 'distribution'")
    }

    private func readDistribution(
        _ item: YAMLNode.Entry, entry: YAMLNode.Entry, keys: [String: YAMLNode.Entry], spec: ParameterSpec
    ) throws(SweepError) -> SweepParameter {
        let name = spec.name
        let words = SweepDistribution.allCases.map(\.rawValue)
        if let text = item.value.scalar?.text, text == "log_uniform" || text == "inv_log_uniform" {
            throw fail(item.value.mark, wandbExponentDistribution(text, keys: keys))
        }
        guard let text = item.value.scalar?.text, let distribution = SweepDistribution(rawValue: text) else {
            let written = item.value.scalar.map { "'\($0.text)'" } ?? item.value.shortDescription
            let hint = item.value.scalar.map { Suggestion.hint(for: $0.text, among: words) } ?? ""
            throw fail(
                item.value.mark,
                "distribution must be uniform, log_uniform_values or int_uniform, got \(written)\(hint)")
        }
        switch (spec.kind, distribution) {
        case (.real, _), (.integer, .intUniform): break
        case (.integer, _):
            throw fail(item.value.mark, "'\(name)' is an integer parameter: use int_uniform (or values)")
        default:
            throw fail(item.value.mark, "'\(name)' cannot be drawn from a distribution: use values")
        }
        guard let minEntry = keys["min"], let maxEntry = keys["max"] else {
            throw fail(
                entry.value.mark, "distribution \(distribution.rawValue) of '\(name)' needs both 'min' and 'max'")
        }
        func bound(_ e: YAMLNode.Entry) throws(SweepError) -> LocatedValue {
            let resolved = e.value.scalar?.resolved
            if distribution == .intUniform {
                guard case .integer(let v)? = resolved else {
                    throw fail(
                        e.value.mark, "'\(e.key)' of int_uniform must be an integer, got \(e.value.shortDescription)")
                }
                return LocatedValue(value: .integer(v), mark: e.value.mark)
            }
            switch resolved {
            case .integer(let v)?: return LocatedValue(value: .real(Double(v)), mark: e.value.mark)
            case .real(let v)? where v.isFinite: return LocatedValue(value: .real(v), mark: e.value.mark)
            default:
                throw fail(e.value.mark, "'\(e.key)' must be a finite number, got \(e.value.shortDescription)")
            }
        }
        let lo = try bound(minEntry)
        let hi = try bound(maxEntry)
        // Integers compare as integers: near 2^63 distinct Ints can be the same Double.
        let order: ComparisonResult
        switch (lo.value, hi.value) {
        case (.integer(let a), .integer(let b)):
            order = a < b ? .orderedAscending : a == b ? .orderedSame : .orderedDescending
        default:
            let (a, b) = (Self.number(lo.value), Self.number(hi.value))
            order = a < b ? .orderedAscending : a == b ? .orderedSame : .orderedDescending
        }
        if order == .orderedDescending {
            throw fail(lo.mark, "min \(Self.display(lo.value)) is greater than max \(Self.display(hi.value))")
        }
        if order == .orderedSame {
            throw fail(
                lo.mark,
                "min and max are both \(Self.display(lo.value)): a distribution needs min < max "
                    + "(for one value write {value: \(Self.display(lo.value))})")
        }
        if distribution == .logUniformValues, Self.number(lo.value) <= 0 {
            throw fail(lo.mark, "log_uniform_values needs min > 0, got \(Self.display(lo.value))")
        }
        try checkRange(lo, spec: spec)
        try checkRange(hi, spec: spec)
        return SweepParameter(
            name: name, mark: entry.keyMark, domain: .distribution(distribution, min: lo, max: hi))
    }

    /// The message for W&B's `log_uniform` and `inv_log_uniform`, whose bounds are natural-log
    /// exponents (W&B: log_uniform draws `exp(u)`, inv_log_uniform draws `exp(−u)`, u uniform in
    /// [min, max]): both are log-uniform over the values, so `log_uniform_values` with the bounds
    /// computed here draws from the same distribution.
    private func wandbExponentDistribution(_ word: String, keys: [String: YAMLNode.Entry]) -> String {
        func exponent(_ key: String) -> Double? {
            switch keys[key]?.value.scalar?.resolved {
            case .integer(let v)?: return Double(v)
            case .real(let d)? where d.isFinite: return d
            default: return nil
            }
        }
        let inverse = word == "inv_log_uniform"
        var suggestion = inverse ? "min: e^-max, max: e^-min" : "min: e^min, max: e^max"
        if let a = exponent("min"), let b = exponent("max") {
            let (lo, hi) = inverse ? (exp(-b), exp(-a)) : (exp(a), exp(b))
            if lo.isFinite, hi.isFinite, lo > 0 {
                suggestion = "min: \(Self.shortNumber(lo)), max: \(Self.shortNumber(hi))"
            }
        }
        return "distribution \(word) is W&B's, whose min and max are exponents (values "
            + (inverse ? "e^-max to e^-min" : "e^min to e^max")
            + "); write {distribution: log_uniform_values, \(suggestion)}"
    }

    /// A computed number to 6 significant digits, as a user would write it.
    private static func shortNumber(_ d: Double) -> String {
        CanonicalForm.number(Double(String(format: "%.6g", d)) ?? d)
    }

    /// A value as a user would write it (reals without a needless `.0`).
    static func display(_ v: ParameterValue) -> String {
        if case .real(let d) = v { return CanonicalForm.number(d) }
        return v.description
    }

    private static func number(_ v: ParameterValue) -> Double {
        switch v {
        case .integer(let i): return Double(i)
        case .real(let d): return d
        default: return .nan
        }
    }

    /// A typed value whose own range is valid (`validate()` on an otherwise default config).
    func checkedValue(_ node: YAMLNode, spec: ParameterSpec) throws(SweepError) -> LocatedValue {
        let value = try typedValue(node, spec: spec)
        try checkRange(value, spec: spec)
        return value
    }

    /// Reports a value whose range is invalid on its own: its registry entry's `range`, then the
    /// combination checks of `validate()` against the other parameters' defaults. Errors
    /// `validate()` blames on another parameter depend on the combination and are left to expansion.
    func checkRange(_ value: LocatedValue, spec: ParameterSpec) throws(SweepError) {
        var config = SimulationConfig()
        do {
            try spec.check(value.value)
            try config.set(spec.name, to: value.value)
        } catch {
            throw fail(value.mark, error.description)
        }
        // A matrix file was checked on reading and against its range; its shape depends on the
        // other parameters.
        if case .matrix = spec.kind { return }
        do {
            try config.validate()
        } catch  where error.parameter == spec.name {
            throw fail(value.mark, error.description)
        } catch {}
    }

    /// The value a node spells for a parameter of the given kind.
    /// Integers accept integral reals (`1e4`, `3.0`) up to 2^53; reals accept integers; `null`
    /// (or `~`, or nothing) unsets an optional parameter.
    func typedValue(_ node: YAMLNode, spec: ParameterSpec) throws(SweepError) -> LocatedValue {
        let name = spec.name
        func wrong(_ at: YAMLNode = node, _ suffix: String = "") -> SweepError {
            fail(at.mark, "\(name): expected \(spec.kind.expected), got \(at.shortDescription)\(suffix)")
        }
        let resolved = node.scalar?.resolved
        if resolved == .null {
            guard spec.optional else {
                throw fail(node.mark, "\(name): cannot be null (expected \(spec.kind.expected))")
            }
            return LocatedValue(value: .unset, mark: node.mark)
        }
        if resolved == .integerOutOfRange {
            throw fail(node.mark, "\(name): integer out of range: \(node.shortDescription)")
        }
        let value: ParameterValue
        switch spec.kind {
        case .integer:
            switch resolved {
            case .integer(let v)?: value = .integer(v)
            case .real(let d)? where d.rounded() == d && abs(d) <= 0x1p53: value = .integer(Int(d))
            default: throw wrong()
            }
        case .real:
            switch resolved {
            case .integer(let v)?: value = .real(Double(v))
            case .real(let d)? where d.isFinite: value = .real(d)
            default: throw wrong()
            }
        case .choice(let words):
            guard let text = node.scalar?.text, words.contains(text) else {
                throw wrong(node, node.scalar.map { Suggestion.hint(for: $0.text, among: words) } ?? "")
            }
            value = .text(text)
        case .realList:
            guard let items = node.items else { throw wrong(node, " (write a list such as [10, 5, 2])") }
            var list: [Double] = []
            for item in items {
                switch item.scalar?.resolved {
                case .integer(let v)?: list.append(Double(v))
                case .real(let d)? where d.isFinite: list.append(d)
                default: throw fail(item.mark, "\(name): expected a finite number, got \(item.shortDescription)")
                }
            }
            value = .realList(list)
        case .matrix:
            guard let text = node.scalar?.text, !text.isEmpty else { throw wrong(node, " (write a file path)") }
            // A relative path is taken from the sweep file's folder.
            do {
                value = .matrix(try MatrixFile.load(path: MatrixFile.resolve(text, relativeTo: fileName)))
            } catch {
                throw fail(node.mark, "\(name): \(error)")
            }
        }
        return LocatedValue(value: value, mark: node.mark)
    }
}
