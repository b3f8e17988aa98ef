import Factorization
import Foundation

/// Reads and validates sweep files (YAML, or JSON with the same structure).
///
/// The format (W&B style; the full reference is `Sources/Sweeps/Sweeps.docc/SweepFiles.md`):
/// ```yaml
/// name: depth-vs-alpha          # required, one line
/// description: optional text
/// method: grid                  # grid | random | list
/// parameters:                   # required for grid and random, optional for list
///   depth: {values: [2, 3, 4]}
///   alpha: {distribution: log_uniform_values, min: 0.001, max: 0.1}   # random only
///   spectrum: {value: [10, 5, 2, 1, 0.5]}
/// count: 100                    # random only: number of draws
/// seed: 7                       # random only: seed of the draws (default 0)
/// runs:                         # list only: one mapping of plain values per task
///   - {depth: 2, alpha: 0.01}
/// ```
/// Parameter names are `SimulationConfig.parameters`' sweep names; unnamed parameters take their
/// defaults. Every error is a `SweepError` at the offending node.
public enum SweepFile {
    /// The largest number of tasks one sweep may describe (expanded, a million tasks take about
    /// 0.7 GB and 4 s; split larger studies into several sweeps).
    public static let maximumTaskCount = 1_000_000

    static let topLevelKeys = ["name", "description", "method", "parameters", "count", "seed", "runs"]

    /// Top-level keys of W&B sweep configurations that dmfsweep has no use for: it runs its own
    /// simulation (no program or command), keeps every run (no metric or early termination) and
    /// has no projects or entities. `run_cap` is W&B's name for `count`.
    static let wandbKeys = ["program", "command", "metric", "project", "entity", "early_terminate", "run_cap"]

    /// Reads and validates a sweep file.
    /// - Parameter path: the file's path; errors are reported against it as given.
    /// - Returns: the validated spec.
    /// - Throws: `SweepError` for an unreadable file or any error in it.
    public static func load(path: String) throws(SweepError) -> SweepSpec {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SweepError(file: path, mark: .start, message: "cannot read sweep file: no such file")
        }
        guard !isDirectory.boolValue else {
            throw SweepError(file: path, mark: .start, message: "cannot read sweep file: it is a directory")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
            throw SweepError(file: path, mark: .start, message: "cannot read sweep file: \(reason)")
        }
        return try parse(bytes: Array(data), fileName: path)
    }

    /// Validates the text of a sweep file.
    /// - Parameters:
    ///   - text: YAML or JSON.
    ///   - fileName: the name errors are reported against.
    /// - Returns: the validated spec.
    /// - Throws: `SweepError` for any error in the text.
    public static func parse(text: String, fileName: String) throws(SweepError) -> SweepSpec {
        try parse(bytes: Array(text.utf8), fileName: fileName)
    }

    static func parse(bytes: [UInt8], fileName: String) throws(SweepError) -> SweepSpec {
        let root: YAMLNode?
        do {
            root = try YAMLDocumentParser(bytes: bytes).parseDocument()
        } catch {
            throw SweepError(file: fileName, mark: error.mark, message: error.message)
        }
        let reader = SweepReader(fileName: fileName)
        let text = String(decoding: bytes, as: UTF8.self)
        return try reader.read(root, text: text)
    }
}

/// Turns a YAML tree into a `SweepSpec`, checking everything it can without expanding.
struct SweepReader {
    let fileName: String

    func fail(_ mark: SourceMark, _ message: String) -> SweepError {
        SweepError(file: fileName, mark: mark, message: message)
    }

    func read(_ root: YAMLNode?, text: String) throws(SweepError) -> SweepSpec {
        guard let root, root.scalar?.resolved != .null else {
            throw fail(.start, "empty sweep file (expected a mapping with name, method and parameters)")
        }
        guard let entries = root.entries else {
            throw fail(
                root.mark,
                "a sweep file must be a mapping with name, method and parameters, got \(root.shortDescription)")
        }
        var fields: [String: YAMLNode.Entry] = [:]
        for entry in entries where SweepFile.topLevelKeys.contains(entry.key) { fields[entry.key] = entry }
        let unknown = entries.filter { !SweepFile.topLevelKeys.contains($0.key) }
        if !unknown.isEmpty { throw unsupportedKeys(unknown) }

        // name, description, method
        guard let nameEntry = fields["name"] else { throw fail(root.mark, "missing 'name' (the sweep's name)") }
        guard let name = nameEntry.value.scalar?.text, nameEntry.value.scalar?.resolved != .null,
            !name.contains("\n"), !name.trimmingCharacters(in: .whitespaces).isEmpty
        else {
            throw fail(
                nameEntry.value.mark,
                "'name' must be non-empty text on one line, got \(nameEntry.value.shortDescription)")
        }
        var description: String?
        if let entry = fields["description"], entry.value.scalar?.resolved != .null {
            guard let text = entry.value.scalar?.text else {
                throw fail(entry.value.mark, "'description' must be text, got \(entry.value.shortDescription)")
            }
            description = text
        }
        guard let methodEntry = fields["method"] else {
            throw fail(root.mark, "missing 'method' (grid, random or list)")
        }
        let methodWords = SweepMethod.allCases.map(\.rawValue)
        guard let methodText = methodEntry.value.scalar?.text, let method = SweepMethod(rawValue: methodText) else {
            let written = methodEntry.value.scalar.map { "'\($0.text)'" } ?? methodEntry.value.shortDescription
            let hint = methodEntry.value.scalar.map { Suggestion.hint(for: $0.text, among: methodWords) } ?? ""
            throw fail(methodEntry.value.mark, "method must be grid, random or list, got \(written)\(hint)")
        }
        for (key, owner) in [("count", SweepMethod.random), ("seed", .random), ("runs", .list)] {
            if let entry = fields[key], method != owner {
                var message = "'\(key)' is only used by method \(owner.rawValue)"
                if key == "seed" { message += "; to set the simulation seed write parameters: {seed: {value: …}}" }
                throw fail(entry.keyMark, message)
            }
        }

        // parameters
        var parameters: [SweepParameter] = []
        var parametersMark = root.mark
        if let entry = fields["parameters"] {
            parametersMark = entry.keyMark
            guard let items = entry.value.entries else {
                throw fail(
                    entry.value.mark,
                    "'parameters' must be a mapping from parameter names to {value: …}, {values: […]} or "
                        + "{distribution: …}, got \(entry.value.shortDescription)")
            }
            guard !items.isEmpty else {
                throw fail(
                    entry.value.mark,
                    "'parameters' is empty; name at least one parameter"
                        + (method == .list ? " or leave 'parameters' out" : " (W&B refuses an empty mapping too)"))
            }
            for item in items { parameters.append(try readParameter(item, method: method)) }
        } else if method != .list {
            throw fail(
                root.mark, "missing 'parameters' (a mapping from parameter names to {value: …} or {values: […]})")
        }

        // method-specific keys and the task count
        var count: Int?
        var seed: UInt64 = 0
        var runs: [SweepRun] = []
        let taskCount: Int
        switch method {
        case .grid:
            var total = 1
            for p in parameters {
                let (product, overflow) = total.multipliedReportingOverflow(by: p.domain.gridCount)
                if overflow {
                    throw fail(p.mark, "grid size overflows at '\(p.name)': more than \(Int.max) tasks")
                }
                total = product
            }
            guard total <= SweepFile.maximumTaskCount else {
                throw fail(parametersMark, "grid has \(total) tasks; the limit is \(SweepFile.maximumTaskCount)")
            }
            taskCount = total
        case .random:
            guard let entry = fields["count"] else {
                throw fail(root.mark, "missing 'count' (method random draws this many tasks)")
            }
            guard case .integer(let n)? = entry.value.scalar?.resolved, n >= 1 else {
                throw fail(entry.value.mark, "'count' must be an integer ≥ 1, got \(entry.value.shortDescription)")
            }
            guard n <= SweepFile.maximumTaskCount else {
                throw fail(entry.value.mark, "'count' is \(n); the limit is \(SweepFile.maximumTaskCount)")
            }
            count = n
            taskCount = n
            if let entry = fields["seed"] {
                guard case .integer(let s)? = entry.value.scalar?.resolved, s >= 0 else {
                    throw fail(entry.value.mark, "'seed' must be an integer ≥ 0, got \(entry.value.shortDescription)")
                }
                seed = UInt64(s)
            }
        case .list:
            guard let entry = fields["runs"] else {
                throw fail(root.mark, "missing 'runs' (method list runs the parameter mappings listed there)")
            }
            guard let items = entry.value.items else {
                throw fail(
                    entry.value.mark, "'runs' must be a list of parameter mappings, got \(entry.value.shortDescription)"
                )
            }
            guard !items.isEmpty else { throw fail(entry.value.mark, "'runs' must list at least one run") }
            guard items.count <= SweepFile.maximumTaskCount else {
                throw fail(
                    entry.value.mark, "'runs' lists \(items.count) runs; the limit is \(SweepFile.maximumTaskCount)")
            }
            for item in items { runs.append(try readRun(item)) }
            taskCount = runs.count
        }

        var swept: [String] = []
        switch method {
        case .grid, .random:
            for p in parameters {
                if case .value = p.domain { continue }
                swept.append(p.name)
            }
        case .list:
            for spec in SimulationConfig.parameters
            where runs.contains(where: { $0.parameters.contains { $0.name == spec.name } }) {
                swept.append(spec.name)
            }
        }
        return SweepSpec(
            name: name, description: description, method: method, fileName: fileName, sourceText: text, seed: seed,
            count: count, taskCount: taskCount, sweptParameterNames: swept, parameters: parameters,
            parametersMark: parametersMark, runs: runs)
    }

    /// One error for every top-level key the format does not have, at the first of them: W&B's own
    /// keys are named as such (`run_cap` pointing to `count`), typos get a suggestion.
    private func unsupportedKeys(_ unknown: [YAMLNode.Entry]) -> SweepError {
        let first = unknown[0]
        if unknown.count == 1 {
            let key = first.key
            let hint: String
            if key == "run_cap" {
                hint = "W&B's run_cap is count here"
            } else if SweepFile.wandbKeys.contains(key) {
                hint = "a W&B key dmfsweep does not use: remove it"
            } else {
                hint =
                    Suggestion.closest(to: key, among: SweepFile.topLevelKeys).map { "did you mean '\($0)'?" }
                    ?? "expected name, description, method, parameters, count, seed or runs"
            }
            return fail(first.keyMark, "unknown key '\(key)' (\(hint))")
        }
        var parts: [String] = []
        let wandb = unknown.filter { SweepFile.wandbKeys.contains($0.key) && $0.key != "run_cap" }
        if !wandb.isEmpty {
            let (verb, pronoun) = wandb.count == 1 ? ("is", "it") : ("are", "them")
            parts.append(
                "W&B's " + wandb.map { "\($0.key) (\($0.keyMark))" }.joined(separator: ", ")
                    + " \(verb) not used by dmfsweep: remove \(pronoun)")
        }
        if let cap = unknown.first(where: { $0.key == "run_cap" }) {
            parts.append("W&B's run_cap (\(cap.keyMark)) is count here")
        }
        for entry in unknown where !SweepFile.wandbKeys.contains(entry.key) {
            let near = Suggestion.closest(to: entry.key, among: SweepFile.topLevelKeys)
            parts.append("'\(entry.key)' (\(entry.keyMark)\(near.map { ", did you mean '\($0)'?" } ?? ""))")
        }
        return fail(
            first.keyMark,
            "\(unknown.count) unknown keys: " + parts.joined(separator: "; ")
                + "; the keys are name, description, method, parameters, count, seed and runs")
    }

    private func readRun(_ node: YAMLNode) throws(SweepError) -> SweepRun {
        guard let entries = node.entries else {
            throw fail(
                node.mark, "each run must be a mapping of parameter names to values, got \(node.shortDescription)")
        }
        var parameters: [SweepParameter] = []
        for entry in entries {
            let spec = try parameterSpec(entry)
            if entry.value.entries != nil {
                throw fail(
                    entry.value.mark, "in 'runs' write each parameter's value itself (\(spec.name): …), not {value: …}")
            }
            let value = try typedValue(entry.value, spec: spec)
            parameters.append(SweepParameter(name: spec.name, mark: entry.keyMark, domain: .value(value)))
        }
        return SweepRun(mark: node.mark, parameters: parameters)
    }
}
