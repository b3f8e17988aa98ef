import Factorization

/// A column `--where` and `--group-by` can name: a parameter (the value requested), or one of the
/// outcome columns.
///
/// - `status`: the task's outcome — `finished`, `converged`, `diverged` (from its result),
///   `failed`, or `pending`/`running` while it has none.
/// - `path_used`: the path that actually ran (`full` or `spectral`; NULL without a result). The
///   parameter `path` is the path requested, often `auto`.
/// - `host`: the host of the worker that ran the task's latest attempt (NULL before its first start).
///
/// Outcome values are computed in SQL from the task row (`t`) and its result (a primary-key
/// lookup), so they combine with any metric's joins.
public enum QueryColumn: Sendable, Hashable, CustomStringConvertible {
    /// A parameter column.
    case parameter(ParameterSpec)
    /// The task's outcome.
    case status
    /// The path that ran.
    case pathUsed
    /// The host of the latest attempt's worker.
    case host

    /// The outcome columns' names.
    public static let outcomeNames = ["status", "path_used", "host"]

    /// Every name a query may use (parameters, then outcome columns), for suggestions.
    public static var allNames: [String] { SimulationConfig.parameters.map(\.name) + outcomeNames }

    /// The column called `name` (`-` read as `_`), or `nil`.
    public static func named(_ name: String) -> QueryColumn? {
        switch name.replacingOccurrences(of: "-", with: "_") {
        case "status": return .status
        case "path_used": return .pathUsed
        case "host": return .host
        case let other: return SimulationConfig.parameter(named: other).map { .parameter($0) }
        }
    }

    /// The column's name in queries and output.
    public var name: String {
        switch self {
        case .parameter(let spec): return spec.name
        case .status: return "status"
        case .pathUsed: return "path_used"
        case .host: return "host"
        }
    }

    public var description: String { name }

    /// The words an outcome column takes (`nil` for parameters, typed by their own kind).
    var words: [String]? {
        switch self {
        case .parameter: return nil
        case .status: return ["finished", "converged", "diverged", "failed", "pending", "running"]
        case .pathUsed: return SolverPath.allCases.map(\.rawValue).filter { $0 != "auto" }
        case .host: return nil
        }
    }

    /// The SQL expression over alias `t` (tasks).
    var sql: String {
        switch self {
        case .parameter(let spec): return "t." + ParameterColumns.quoted(spec)
        case .status:
            return "(CASE WHEN t.status = 'done' THEN (SELECT o.status FROM results o WHERE o.task_id = t.id) "
                + "ELSE t.status END)"
        case .pathUsed: return "(SELECT o.path FROM results o WHERE o.task_id = t.id)"
        case .host: return "t.host"
        }
    }
}
