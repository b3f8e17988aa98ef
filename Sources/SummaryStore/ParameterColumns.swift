import Factorization
import Foundation
import Sweeps

/// The mapping between the parameter registry (`SimulationConfig.parameters`) and the typed
/// columns of the `tasks` table: one column per parameter, named `p_<name>`, so a future
/// parameter can never collide with a bookkeeping column.
///
/// Types: integers → INTEGER, reals → REAL, choices → TEXT, real lists → TEXT holding the values'
/// shortest round-trip decimal forms joined by commas (`10.0,5.0,2.0`), matrices (`target`,
/// `clean`, `mask`) → BLOB holding the matrix as a `.npy` file (`NPYFile.encode`), so a task can be
/// rebuilt and dispatched from the store alone. Unset optional
/// parameters are NULL.
///
/// The columns hold the values that ran, resolved as the canonical form resolves them
/// (docs/task-keys.md): `n` is `resolvedN`, `spectrum` is `resolvedSpectrum` (padded with zeros to
/// n) unless it is generated from `rank`/`decay` (then NULL). So `--where n=5` and `--group-by n`
/// see the dimension even when the sweep left it to the default, and a configuration rebuilt from
/// the columns has the same canonical form, hence the same key, as the one stored.
enum ParameterColumns {
    /// The column of a parameter.
    static func column(_ spec: ParameterSpec) -> String { "p_" + spec.name }

    /// The column of a parameter, quoted for SQL.
    static func quoted(_ spec: ParameterSpec) -> String { "\"" + column(spec) + "\"" }

    /// Every parameter column, in registry order.
    static var all: [String] { SimulationConfig.parameters.map(column) }

    /// The SQL type of a parameter's column.
    static func sqlType(_ kind: ParameterKind) -> String {
        switch kind {
        case .integer: return "INTEGER"
        case .real: return "REAL"
        case .choice, .realList: return "TEXT"
        case .matrix: return "BLOB"
        }
    }

    /// The column definitions for `CREATE TABLE tasks`.
    static var definitions: [String] {
        SimulationConfig.parameters.map { "\(quoted($0)) \(sqlType($0.kind))" }
    }

    /// Encodes a real list for its TEXT column.
    static func encodeList(_ list: [Double]) -> String { list.map { String($0) }.joined(separator: ",") }

    /// The column value of a parameter value.
    static func databaseValue(_ value: ParameterValue) -> DatabaseValue {
        switch value {
        case .integer(let v): return .integer(v)
        case .real(let v): return .real(v)
        case .text(let v): return .text(v)
        case .realList(let v): return .text(encodeList(v))
        case .matrix(let m): return .blob(Data(NPYFile.encode(m.matrix)))
        case .unset: return .null
        }
    }

    /// The values of every parameter column of `config` (resolved), in registry order.
    static func values(of config: SimulationConfig) -> [DatabaseValue] {
        let resolved = config.resolvedForKey
        return SimulationConfig.parameters.map { databaseValue($0.value(in: resolved)) }
    }

    /// Decodes a column value back into a parameter value.
    /// - Throws: `StoreError.corruptValue` when the stored value does not fit the parameter.
    static func parameterValue(_ value: DatabaseValue, for spec: ParameterSpec) throws(StoreError) -> ParameterValue {
        func corrupt() -> StoreError {
            .corruptValue(table: "tasks", column: column(spec), detail: "'\(value)' is not \(spec.kind.expected)")
        }
        if value.isNull { return .unset }
        switch spec.kind {
        case .integer:
            guard case .integer(let v) = value else { throw corrupt() }
            return .integer(v)
        case .real:
            guard let v = value.doubleValue else { throw corrupt() }
            return .real(v)
        case .choice:
            guard let v = value.stringValue else { throw corrupt() }
            return .text(v)
        case .realList:
            guard let v = value.stringValue else { throw corrupt() }
            var list: [Double] = []
            for part in v.split(separator: ",") {
                guard let d = Double(part) else { throw corrupt() }
                list.append(d)
            }
            return .realList(list)
        case .matrix:
            guard case .blob(let data) = value, let m = try? NPYFile.decode([UInt8](data), path: column(spec)) else {
                throw corrupt()
            }
            return .matrix(MatrixFile.value(m))
        }
    }

    /// Rebuilds a configuration from its parameter columns (in registry order).
    /// - Throws: `StoreError.corruptValue` when a value does not fit its parameter.
    static func config(from values: [DatabaseValue]) throws(StoreError) -> SimulationConfig {
        var config = SimulationConfig()
        for (spec, value) in zip(SimulationConfig.parameters, values) {
            let parameter = try parameterValue(value, for: spec)
            do {
                try config.set(spec.name, to: parameter)
            } catch {
                throw .corruptValue(table: "tasks", column: column(spec), detail: error.message)
            }
        }
        return config
    }
}
