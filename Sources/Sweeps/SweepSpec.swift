import Factorization

/// How a sweep turns its parameters into tasks.
public enum SweepMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every combination of the listed values (the Cartesian product).
    case grid
    /// `count` draws from per-parameter distributions or value lists, seeded by the sweep's `seed`.
    case random
    /// The runs listed under `runs:`, in order.
    case list
}

/// A distribution a `random` sweep draws a parameter from.
public enum SweepDistribution: String, Sendable, Hashable, Codable, CaseIterable {
    /// Uniform real in [min, max], min < max: `min + (max − min)·u`, u uniform in [0, 1) with 53
    /// bits, clamped to [min, max] against rounding.
    case uniform
    /// Log-uniform real in [min, max], 0 < min < max: `exp(log min + (log max − log min)·u)`, clamped
    /// to [min, max] against rounding.
    case logUniformValues = "log_uniform_values"
    /// Uniform integer in [min, max], min < max, both ends included.
    case intUniform = "int_uniform"
}

/// A validated sweep file: everything needed to expand it into tasks, and its source text (kept
/// verbatim in the store).
///
/// Obtain one with `SweepFile.load(path:)` or `SweepFile.parse(text:fileName:)`; every structural
/// and type error has been reported by then. Combinations of values that are each valid but not
/// together (`SimulationConfig.validate()`) are reported by `expand()`, which callers run before
/// touching a store.
public struct SweepSpec: Sendable, Hashable {
    /// The sweep's `name:`.
    public let name: String
    /// The optional `description:`.
    public let description: String?
    /// The `method:`.
    public let method: SweepMethod
    /// The file name errors are reported against.
    public let fileName: String
    /// The file's text, verbatim.
    public let sourceText: String
    /// The sweep-level `seed:` of a `random` sweep (default 0); 0 for other methods.
    public let seed: UInt64
    /// The `count:` of a `random` sweep; `nil` for other methods.
    public let count: Int?
    /// Number of tasks the file describes before duplicates collapse: the product of the value
    /// counts (grid), `count` (random) or the number of runs (list). `expand().count` is at most
    /// this, and equal unless two entries spell the same task.
    public let taskCount: Int
    /// The names of the parameters that can differ between tasks: grid/random, those with
    /// `values:` or a `distribution:`, in the order written; list, those set in some run, in
    /// registry order.
    /// Useful as the columns of a task table.
    public let sweptParameterNames: [String]

    /// The `parameters:` entries in file order.
    let parameters: [SweepParameter]
    /// Where `parameters:` (or, without it, the whole file) starts.
    let parametersMark: SourceMark
    /// The `runs:` of a `list` sweep.
    let runs: [SweepRun]
}

/// A value as written in the file, typed for its parameter, with its position.
struct LocatedValue: Sendable, Hashable {
    var value: ParameterValue
    var mark: SourceMark
}

/// What one entry of `parameters:` allows.
enum ParameterDomain: Sendable, Hashable {
    /// `{value: x}`
    case value(LocatedValue)
    /// `{values: [x, y, …]}` (never empty)
    case values([LocatedValue])
    /// `{distribution: d, min: a, max: b}` with a < b (and 0 < a for log-uniform).
    case distribution(SweepDistribution, min: LocatedValue, max: LocatedValue)

    /// How many grid points it contributes.
    var gridCount: Int {
        switch self {
        case .value: return 1
        case .values(let v): return v.count
        case .distribution: return 1
        }
    }
}

/// One entry of `parameters:` (or one key of a run).
struct SweepParameter: Sendable, Hashable {
    /// The registry's sweep name (`record_every`).
    var name: String
    /// Where the parameter's name is written.
    var mark: SourceMark
    var domain: ParameterDomain
}

/// One entry of `runs:`.
struct SweepRun: Sendable, Hashable {
    /// Where the run's mapping starts.
    var mark: SourceMark
    /// Its parameters, all `.value`, in the order written.
    var parameters: [SweepParameter]
}
