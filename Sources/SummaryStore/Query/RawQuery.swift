import Factorization
import Foundation

/// One row per finished task: every parameter, every result column (the recovery errors too) and
/// the interval columns of each rank (`r1_start`, `r1_length`, …, or only `--rank`'s), ready for
/// pandas. Column names are unique.
public struct RawQuery: Sendable, Hashable {
    /// Only this sweep's tasks.
    public var sweep: String?
    /// Conditions on parameters.
    public var filters: [Filter]
    /// Only this rank's interval columns (`nil`: every rank present).
    public var rank: Int?
    /// The effective rank whose intervals fill the interval columns.
    public var measure: EffectiveRankMeasure

    public init(
        sweep: String? = nil, filters: [Filter] = [], rank: Int? = nil, measure: EffectiveRankMeasure = .entropy
    ) {
        self.sweep = sweep
        self.filters = filters
        self.rank = rank
        self.measure = measure
    }

    /// The result columns: of `results` (alias `r`) and of `recovery` (alias `e`, LEFT JOINed: NULL
    /// for a result stored before recovery errors were).
    static let resultColumns = [
        "r.status", "r.path", "r.steps", "r.final_loss", "r.final_erank", "r.seconds", "r.best_step", "r.best_error",
        "r.best_inside", "r.observed_entries", "r.unobserved_lines", "e.final_error", "e.final_unobserved_error",
        "e.final_clean_error", "e.best_recovery_error", "e.best_recovery_step",
    ]
    /// The result columns' names in the output: `path` and `steps` are parameters too, so the result's
    /// are `path_used` (the path that ran) and `steps_run` (updates performed); `results.best_error` is
    /// `best_clean_error` and `recovery.best_recovery_error` is `best_error`, as `query --metric` names
    /// them (`Metric`).
    static let resultHeaders = [
        "status", "path_used", "steps_run", "final_loss", "final_erank", "seconds", "best_step", "best_clean_error",
        "best_inside", "observed_entries", "unobserved_lines", "final_error", "final_unobserved_error",
        "final_clean_error", "best_error", "best_recovery_step",
    ]
    static let intervalColumns = [
        "target", "start", "end", "length", "middle_error", "predicted_start", "predicted_end",
    ]

    /// The parameter columns that hold real lists (`spectrum`): JSON output writes them as arrays.
    public static let listColumns = Set(
        SimulationConfig.parameters.filter {
            if case .realList = $0.kind { return true } else { return false }
        }.map(\.name))

    /// The column names for the given ranks.
    static func columns(ranks: [Int]) -> [String] {
        ["key"] + SimulationConfig.parameters.map(\.name) + resultHeaders
            + ranks.flatMap { r in intervalColumns.map { "r\(r)_\($0)" } }
    }

    /// `FROM … WHERE …` over aliases t, r (and m), with `joins` after the results join, and the
    /// bound values (those of `joins` first).
    func fromClause(sweepID: Int?, joins: String = "", joinValues: [DatabaseValue] = [])
        -> (text: String, values: [DatabaseValue])
    {
        var text = "FROM tasks t JOIN results r ON r.task_id = t.id LEFT JOIN recovery e ON e.task_id = t.id " + joins
        var values = joinValues
        if let sweepID {
            text += " JOIN sweep_tasks m ON m.task_id = t.id AND m.sweep_id = ?"
            values.append(.integer(sweepID))
        }
        text += " WHERE 1 = 1"
        for f in filters {
            let (sql, bound) = f.sql
            text += " AND " + sql
            values += bound
        }
        return (text, values)
    }
}

extension SummaryStore {
    /// Streams the rows of a raw query, ordered by task insertion.
    /// - Parameters:
    ///   - query: the selection.
    ///   - header: receives the column names first.
    ///   - row: receives each row (as many values as columns).
    /// - Throws: `StoreError.unknownSweep`, `.sqlite`.
    public func raw(
        _ query: RawQuery, header: ([String]) -> Void, row: ([DatabaseValue]) -> Void
    ) throws(StoreError) {
        let sweepID = try query.sweep.map { (name: String) throws(StoreError) -> Int in try self.sweepID(name) }
        let ranks: [Int]
        if let rank = query.rank {
            ranks = [rank]
        } else {
            let (from, values) = query.fromClause(
                sweepID: sweepID, joins: "JOIN intervals i ON i.task_id = t.id AND i.measure = ?",
                joinValues: [.text(query.measure.rawValue)])
            let maxRank = try database.scalar("SELECT max(i.rank) " + from, values)?.intValue ?? 0
            ranks = maxRank > 0 ? Array(1...maxRank) : []
        }
        let columns = RawQuery.columns(ranks: ranks)
        header(columns)
        let params = SimulationConfig.parameters.map { "t." + ParameterColumns.quoted($0) }
        let resultColumns = RawQuery.resultColumns
        let (from, values) = query.fromClause(
            sweepID: sweepID,
            joins: "LEFT JOIN intervals i ON i.task_id = t.id AND i.measure = ?"
                + (query.rank != nil ? " AND i.rank = ?" : ""),
            joinValues: [.text(query.measure.rawValue)] + (query.rank.map { [DatabaseValue.integer($0)] } ?? []))
        let sql = """
            SELECT t.id, t.key, \(params.joined(separator: ", ")), \(resultColumns.joined(separator: ", ")),
                i.rank, i.target, i.start, i."end", i.length, i.middle_error, i.predicted_start, i.predicted_end
            \(from)
            ORDER BY t.id, i.rank
            """
        let fixed = 1 + params.count + resultColumns.count
        let perRank = RawQuery.intervalColumns.count
        let rankSlot = Dictionary(uniqueKeysWithValues: ranks.enumerated().map { ($1, $0) })
        var current: Int? = nil
        var pending: [DatabaseValue] = []
        try database.forEachRow(sql, values) { (stmt: Row) throws(StoreError) in
            let id = stmt.int(at: 0)
            if id != current {
                if current != nil { row(pending) }
                current = id
                pending = (1...fixed).map { stmt.value(at: $0) }
                pending += Array(repeating: .null, count: ranks.count * perRank)
            }
            if let rank = stmt.int(at: fixed + 1), let slot = rankSlot[rank] {
                for c in 0..<perRank { pending[fixed + slot * perRank + c] = stmt.value(at: fixed + 2 + c) }
            }
        }
        if current != nil { row(pending) }
    }
}
