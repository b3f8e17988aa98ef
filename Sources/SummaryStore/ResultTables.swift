import Foundation

/// A table `recordResults` writes per finished task: its columns, in the order of the values
/// `recordResults` builds for a row, with their PostgreSQL types (for binary `COPY`). The column
/// lists live here once, for both engines' statements.
struct ResultTable: Sendable {
    /// The table's name.
    let name: String
    /// The columns, `task_id` first.
    let columns: [(name: String, type: CopyType)]
    /// The primary key's columns (`ON CONFLICT` target).
    let key: [String]

    /// The quoted column names, comma separated.
    var columnList: String { columns.map { "\"\($0.name)\"" }.joined(separator: ", ") }

    /// `INSERT` of `rows` rows, with `ON CONFLICT (key) DO UPDATE` of every other column when
    /// `upsert` (a task recorded again replaces its row).
    func insert(rows: Int, upsert: Bool) -> String {
        var sql =
            "INSERT INTO \(name) (\(columnList)) VALUES "
            + SummaryStore.valueRows(rows, columns: columns.count)
        if upsert {
            let updates = columns.map(\.name).filter { !key.contains($0) }
                .map { "\"\($0)\" = excluded.\"\($0)\"" }
            sql += " ON CONFLICT (\(key.joined(separator: ", "))) DO UPDATE SET " + updates.joined(separator: ", ")
        }
        return sql
    }

    static let results = ResultTable(
        name: "results",
        columns: [
            ("task_id", .int8), ("status", .text), ("path", .text), ("steps", .int8), ("final_loss", .float8),
            ("final_erank", .float8), ("seconds", .float8), ("best_step", .int8), ("best_error", .float8),
            ("best_inside", .int8), ("targets", .bytea), ("recorded", .float8), ("observed_entries", .int8),
            ("unobserved_lines", .int8), ("ratio_targets", .bytea), ("ratio_missing", .text),
        ], key: ["task_id"])

    /// One row per effective-rank measure and rank (`SummaryStore.intervalRows`); a task recorded
    /// again has its rows replaced (deleted, then inserted: its ranks may differ).
    static let intervals = ResultTable(
        name: "intervals",
        columns: [
            ("task_id", .int8), ("measure", .text), ("rank", .int8), ("target", .float8), ("measured", .int8),
            ("start", .int8), ("end", .int8), ("length", .int8), ("middle_error", .float8), ("predicted", .int8),
            ("predicted_start", .float8), ("predicted_end", .float8),
        ], key: ["task_id", "measure", "rank"])

    static let trajectories = ResultTable(
        name: "trajectories",
        columns: [
            ("task_id", .int8), ("points", .int8), ("steps", .bytea), ("loss", .bytea), ("erank", .bytea),
            ("erank_ratio", .bytea), ("clean_error", .bytea), ("product_norm", .bytea), ("unobserved_max", .bytea),
        ], key: ["task_id"])

    static let recovery = ResultTable(
        name: "recovery",
        columns: [
            ("task_id", .int8), ("final_error", .float8), ("final_unobserved_error", .float8),
            ("final_clean_error", .float8), ("best_recovery_error", .float8), ("best_recovery_step", .int8),
            ("error", .bytea), ("unobserved_error", .bytea),
        ], key: ["task_id"])

    /// The five tables, in the order `recordResults` writes them.
    static let all: [ResultTable] = [results, intervals, trajectories, recovery, rankMonotonicity]

    /// Two rows per task, entropy and ratio (`RankMonotonicityTable.values`).
    static let rankMonotonicity = ResultTable(
        name: RankMonotonicityTable.name,
        columns: [("task_id", .int8), ("measure", .text), ("monotone_from", .int8), ("rank_drops", .int8)],
        key: ["task_id", "measure"])
}
