import Factorization
import Foundation
import Sweeps

extension SummaryStore {
    /// Records finished tasks in one transaction: result, one interval row per rank, trajectory,
    /// and the task's state `done` with when, who and where. A result whose start was not recorded
    /// (`CompletedTask.start`) counts that attempt; attempts are at least 1 for a done task.
    ///
    /// Idempotent by key: recording a task again replaces its rows, never duplicates them. The
    /// batch is committed as a whole before this returns (acknowledge to workers only afterwards);
    /// a reader sees all of it or none of it.
    /// - Parameter batch: finished tasks; keys the store does not know are skipped and reported.
    /// - Returns: how many were written and which keys are unknown.
    /// - Throws: `StoreError.sqlite` (nothing of the batch is written then).
    @discardableResult
    public func recordResults(_ batch: [CompletedTask]) throws(StoreError) -> RecordSummary {
        try withResultRowKeysByConstruction { () throws(StoreError) -> RecordSummary in
            try recordResults(inTransaction: batch)
        }
    }

    /// Runs `body`, a transaction that writes result rows, without SQLite's per-row foreign-key
    /// checks of the result tables (`Connection.withoutForeignKeyChecks`; PostgreSQL's result
    /// tables have no foreign keys, `Schema.resultTables`). The keys hold by construction:
    /// `recordResults` is the only writer of those tables, and it inserts a task's rows only after
    /// the same transaction has read the task's row by key or updated it by id AND key (a batch
    /// whose update misses a task is refused before any insert), and no statement deletes a task.
    /// `SummaryStore.orphanRows()` (`dmfsweep store info`) checks it. The checks cost about 1.5 µs
    /// per no-op task (5 result rows, each a probe of `tasks`): a tenth of the commit thread
    /// (docs/summary-store.md, "No-op tasks into SQLite").
    func withResultRowKeysByConstruction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        guard let sqlite else { return try body() }
        return try sqlite.withoutForeignKeyChecks(body)
    }

    func recordResults(inTransaction batch: [CompletedTask]) throws(StoreError) -> RecordSummary {
        let now = Self.now
        return try database.inTransaction { () throws(StoreError) -> RecordSummary in
            var summary = RecordSummary(recorded: 0, unknown: [])
            // The tasks' ids and states: in one query per chunk of keys (SQLite), in one query over
            // an array of keys (PostgreSQL). SQLite looks up only the keys of tasks this connection
            // has not read as pending (`knownTasks`); whether those were done is not known (`nil`), their interval
            // rows are deleted anyway (a probe of the table's primary key per task).
            var found: [TaskKey: (id: Int, done: Bool?, tolerance: Double?)] = [:]
            found.reserveCapacity(batch.count)
            let postgres = database.dialect.engine == .postgresql
            var keys: [String] = []
            var seen = Set<TaskKey>(minimumCapacity: batch.count)
            for item in batch where seen.insert(item.key).inserted {
                if !postgres, let known = knownTasks[item.key] {
                    found[item.key] = (known.id, nil, known.tolerance)
                } else {
                    keys.append(item.key.hex)
                }
            }
            let chunks =
                postgres
                ? [keys[...]] : stride(from: 0, to: keys.count, by: 500).map { keys[$0..<min($0 + 500, keys.count)] }
            for chunk in chunks where !chunk.isEmpty {
                let select =
                    "SELECT key, id, CASE WHEN status = 'done' THEN 1 ELSE 0 END, p_tolerance FROM tasks WHERE "
                for row in try database.rows(
                    postgres
                        ? select + "key = ANY(CAST(? AS TEXT[]))"
                        : select + "key IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ", ")))",
                    postgres ? [.text(Self.arrayLiteral(chunk.map { .text($0) }))] : chunk.map { .text($0) })
                {
                    if let key = row.string(at: 0), let id = row.int(at: 1) {
                        found[TaskKey(hex: key)] = (id, row.int(at: 2) == 1, row.double(at: 3))
                    }
                }
            }
            // One entry per task (a key twice in a batch: the later result wins, both starts count).
            var entries: [RecordEntry] = []
            entries.reserveCapacity(found.count)
            var slot: [TaskKey: Int] = [:]
            slot.reserveCapacity(found.count)
            for item in batch {
                guard let (id, wasDone, tolerance) = found[item.key] else {
                    summary.unknown.append(item.key)
                    continue
                }
                let starts = item.start?.attemptIncrement ?? 0
                if let i = slot[item.key] {
                    entries[i] = RecordEntry(
                        id: id, item: item, wasDone: wasDone, tolerance: tolerance, starts: entries[i].starts + starts)
                } else {
                    slot[item.key] = entries.count
                    entries.append(
                        RecordEntry(id: id, item: item, wasDone: wasDone, tolerance: tolerance, starts: starts))
                }
            }
            summary.recorded = entries.count
            // Interval rows exist only for done tasks (results and state change together); a task
            // whose state was not read (`nil`) may have some.
            let cleared = entries.filter { $0.wasDone != false }.map { DatabaseValue.integer($0.id) }
            if let postgres = database as? PostgresConnection {
                try Self.recordRows(postgres, entries, cleared: cleared, now: now)
                return summary
            }
            // SQLite: many rows per statement (`bulkMultiRow`); the task updates as a `VALUES` list
            // joined on the id (read by rowid). The key is checked too: an id from `knownTasks`
            // that no longer names its task (only if the transaction that inserted it rolled back)
            // refuses the batch and forgets the cache, so a retry looks every key up.
            // Each row's values go straight into the statement's value list (`bulkMultiRow(count:…)`),
            // without an array per row.
            let updated = try bulkMultiRow(count: entries.count, width: 7) { i, v in
                entries[i].appendTaskRow(now: now, to: &v)
                v.append(.text(entries[i].item.key.hex))
            } sql: { k in
                """
                WITH v(id, worker, host, started, finished, starts, key) AS (VALUES \(Self.valueRows(k, columns: 7)))
                UPDATE tasks SET status = 'done', error = NULL, worker = coalesce(v.worker, tasks.worker),
                    host = coalesce(v.host, tasks.host), started = coalesce(v.started, tasks.started),
                    finished = v.finished, attempts = max(tasks.attempts + v.starts, 1)
                FROM v WHERE tasks.id = v.id AND tasks.key = v.key
                """
            }
            // Recorded tasks leave the cache: it holds the pending tasks only (a result recorded
            // again is looked up by key).
            for entry in entries { knownTasks[entry.item.key] = nil }
            if updated != entries.count {
                knownTasks.removeAll()
                throw StoreError.corruptValue(
                    table: "tasks", column: "id",
                    detail: "\(entries.count - updated) of \(entries.count) task ids read earlier no longer match "
                        + "their keys")
            }
            try bulkMultiRow(count: entries.count, width: ResultTable.results.columns.count) { i, v in
                Self.appendResultRow(entries[i].id, entries[i].item.result, now: now, to: &v)
            } sql: { k in
                ResultTable.results.insert(rows: k, upsert: true)
            }
            try bulkMultiRow(cleared.map { [$0] }) { k in
                "DELETE FROM intervals WHERE task_id IN (\(Array(repeating: "?", count: k).joined(separator: ", ")))"
            }
            try bulkMultiRow(entries.flatMap { e in Self.intervalRows(e.item.result).map { [.integer(e.id)] + $0 } }) {
                k in ResultTable.intervals.insert(rows: k, upsert: false)
            }
            try bulkMultiRow(count: entries.count, width: ResultTable.trajectories.columns.count) { i, v in
                Self.appendTrajectoryRow(entries[i].id, entries[i].item.result.trajectory, to: &v)
            } sql: { k in
                ResultTable.trajectories.insert(rows: k, upsert: true)
            }
            try bulkMultiRow(count: entries.count, width: ResultTable.recovery.columns.count) { i, v in
                Self.appendRecoveryRow(entries[i].id, entries[i].item.result, to: &v)
            } sql: { k in
                ResultTable.recovery.insert(rows: k, upsert: true)
            }
            // Two rows per task (entropy, ratio) per value row.
            try bulkMultiRow(count: entries.count, width: 2 * ResultTable.rankMonotonicity.columns.count) { i, v in
                v.append(contentsOf: Self.monotonicityValues(entries[i]))
            } sql: { k in
                ResultTable.rankMonotonicity.insert(rows: 2 * k, upsert: true)
            }
            return summary
        }
    }

    /// A task of a batch being recorded: its id and state as read in the batch's transaction, its
    /// latest result, and how many starts the batch adds to its attempts.
    struct RecordEntry {
        let id: Int
        let item: CompletedTask
        /// Whether the task was done before; `nil` when not read (its id came from `knownTasks`).
        let wasDone: Bool?
        let tolerance: Double?
        let starts: Int

        /// The task's new lifecycle values: id, worker, host, started, finished, starts to add.
        func taskRow(now: Double) -> [DatabaseValue] {
            var row: [DatabaseValue] = []
            appendTaskRow(now: now, to: &row)
            return row
        }

        /// Appends `taskRow(now:)`'s values to `row`.
        func appendTaskRow(now: Double, to row: inout [DatabaseValue]) {
            row.append(.integer(id))
            row.append(DatabaseValue(item.worker))
            row.append(DatabaseValue(item.host))
            row.append(item.start?.recordedStart ?? .null)
            row.append(.real(now))
            row.append(.integer(starts))
        }
    }

    /// The `results` row of a task (values in `ResultTable.results` order).
    static func resultRow(_ id: Int, _ r: SimulationResult, now: Double) -> [DatabaseValue] {
        var row: [DatabaseValue] = []
        appendResultRow(id, r, now: now, to: &row)
        return row
    }

    /// Appends `resultRow`'s values to `row` (SQLite's statements take them without an array per row).
    static func appendResultRow(_ id: Int, _ r: SimulationResult, now: Double, to row: inout [DatabaseValue]) {
        row.append(.integer(id))
        row.append(.text(r.status.rawValue))
        row.append(.text(r.path.rawValue))
        row.append(.integer(r.steps))
        row.append(finite(r.finalLoss))
        row.append(finite(r.finalErank))
        row.append(.real(r.seconds))
        row.append(DatabaseValue(r.bestStep))
        row.append(finite(r.bestCleanError))
        row.append(DatabaseValue(r.bestInsideInterval))
        row.append(.blob(PackedArray.pack(r.targets)))
        row.append(.real(now))
        row.append(DatabaseValue(r.observedEntries))
        row.append(DatabaseValue(r.unobservedLines))
        row.append(r.ratio.map { .blob(PackedArray.pack($0.targets)) } ?? .null)
        row.append(r.ratio == nil ? .text("the result carried no ratio measure") : .null)
    }

    /// The `trajectories` row of a task (values in `ResultTable.trajectories` order).
    static func trajectoryRow(_ id: Int, _ t: [TrajectoryPoint]) -> [DatabaseValue] {
        var row: [DatabaseValue] = []
        appendTrajectoryRow(id, t, to: &row)
        return row
    }

    /// Appends `trajectoryRow`'s values to `row`.
    static func appendTrajectoryRow(_ id: Int, _ t: [TrajectoryPoint], to row: inout [DatabaseValue]) {
        let hasClean = t.contains { $0.cleanError != nil }
        row.append(.integer(id))
        row.append(.integer(t.count))
        row.append(.blob(PackedArray.pack(t.map(\.step))))
        row.append(.blob(PackedArray.pack(t.map(\.loss))))
        row.append(.blob(PackedArray.pack(t.map(\.erank))))
        row.append(.blob(PackedArray.pack(t.map(\.erankRatio))))
        row.append(hasClean ? .blob(PackedArray.pack(t.map { $0.cleanError ?? .nan })) : .null)
        row.append(optionalColumn(t.map(\.productNorm)))
        row.append(optionalColumn(t.map(\.unobservedMax)))
    }

    /// The `recovery` row of a task (values in `ResultTable.recovery` order).
    static func recoveryRow(_ id: Int, _ r: SimulationResult) -> [DatabaseValue] {
        var row: [DatabaseValue] = []
        appendRecoveryRow(id, r, to: &row)
        return row
    }

    /// Appends `recoveryRow`'s values to `row`.
    static func appendRecoveryRow(_ id: Int, _ r: SimulationResult, to row: inout [DatabaseValue]) {
        let t = r.trajectory
        row.append(.integer(id))
        row.append(finite(r.finalError))
        row.append(finite(r.finalUnobservedError))
        row.append(finite(r.finalCleanError))
        row.append(finite(r.bestRecoveryError))
        row.append(DatabaseValue(r.bestRecoveryStep))
        row.append(optionalColumn(t.map(\.error)))
        row.append(optionalColumn(t.map(\.unobservedError)))
    }

    /// The two `rank_monotonicity` rows of a task, entropy and ratio (`RankMonotonicityTable.values`).
    static func monotonicityRows(_ e: RecordEntry) -> [[DatabaseValue]] {
        let values = monotonicityValues(e)
        return [Array(values[0..<4]), Array(values[4..<8])]
    }

    /// The values of `monotonicityRows`, one row after the other.
    static func monotonicityValues(_ e: RecordEntry) -> [DatabaseValue] {
        let t = e.item.result.trajectory
        return RankMonotonicityTable.values(
            taskID: e.id, steps: t.map(\.step), entropy: t.map(\.erank), ratio: t.map(\.erankRatio),
            tolerance: e.tolerance ?? 0.1)
    }

    /// PostgreSQL's part of `recordResults`, inside its transaction: the rows of tasks recorded
    /// before are deleted; the task updates go as one statement over arrays (`unnest`), sent
    /// without waiting; then each table's rows with one binary `COPY` (no SQL text per row, no
    /// parameters to parse, one round trip per table), built and encoded while the server runs the
    /// update and the COPYs before (`PostgresConnection.copy(stages:after:)`), so the writer and
    /// the server work at the same time instead of in turn.
    ///
    /// COPY goes straight into the tables: only done tasks have rows (results and state change
    /// together, and a task never leaves `done`), so a task that was not done has nothing to delete.
    static func recordRows(
        _ postgres: PostgresConnection, _ entries: [RecordEntry], cleared: [DatabaseValue], now: Double
    ) throws(StoreError) {
        guard !entries.isEmpty else { return }
        if !cleared.isEmpty {
            let ids = arrayLiteral(cleared)
            for table in ResultTable.all {
                try postgres.run("DELETE FROM \(table.name) WHERE task_id = ANY(CAST(? AS BIGINT[]))", [.text(ids)])
            }
        }
        // The ids twice: `tasks.id = ANY(…)` makes PostgreSQL read the tasks by their primary key
        // instead of hashing the arrays against a scan of the whole table.
        let rows = entries.map { $0.taskRow(now: now) }
        let ids = arrayLiteral(rows.map { $0[0] })
        try postgres.send(
            """
            UPDATE tasks SET status = 'done', error = NULL, worker = coalesce(v.worker, tasks.worker),
                host = coalesce(v.host, tasks.host), started = coalesce(v.started, tasks.started), finished = ?,
                attempts = greatest(tasks.attempts + v.starts, 1)
            FROM unnest(CAST(? AS BIGINT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS DOUBLE PRECISION[]),
                CAST(? AS BIGINT[])) AS v(id, worker, host, started, starts)
            WHERE tasks.id = v.id AND tasks.id = ANY(CAST(? AS BIGINT[]))
            """,
            [.real(now), .text(ids)] + [1, 2, 3, 5].map { c in .text(arrayLiteral(rows.map { $0[c] })) } + [.text(ids)])
        func stage(_ table: ResultTable, _ rows: @escaping (Int) -> [[DatabaseValue]]) -> CopyStage {
            CopyStage(
                table: table.name, columns: table.columns.map(\.name), types: table.columns.map(\.type),
                count: entries.count, rows: rows)
        }
        try postgres.copy(
            stages: [
                stage(.results) { [resultRow(entries[$0].id, entries[$0].item.result, now: now)] },
                stage(.intervals) { i in intervalRows(entries[i].item.result).map { [.integer(entries[i].id)] + $0 } },
                stage(.trajectories) { [trajectoryRow(entries[$0].id, entries[$0].item.result.trajectory)] },
                stage(.recovery) { [recoveryRow(entries[$0].id, entries[$0].item.result)] },
                stage(.rankMonotonicity) { monotonicityRows(entries[$0]) },
            ], after: "updating the states of \(entries.count) tasks")
    }

    /// A PostgreSQL array literal of the values (`{1,"a\"b",NULL}`), for a `CAST(? AS T[])` parameter.
    static func arrayLiteral(_ values: [DatabaseValue]) -> String {
        var out = "{"
        for (i, value) in values.enumerated() {
            if i > 0 { out += "," }
            switch value {
            case .null: out += "NULL"
            case .integer, .real: out += PostgresConnection.text(value)
            case .text(let v):
                out += "\""
                if v.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                    for c in v.unicodeScalars {
                        if c == "\"" || c == "\\" { out += "\\" }
                        out.unicodeScalars.append(c)
                    }
                } else {
                    out += v
                }
                out += "\""
            case .blob: out += "\"" + PostgresConnection.text(value).replacingOccurrences(of: "\\", with: "\\\\") + "\""
            }
        }
        return out + "}"
    }

    /// Runs the statement `sql(k)` over `rows`, `k` rows per statement: one for SQLite (for
    /// statements written for one row; `bulkMultiRow` writes many per statement where the SQL takes
    /// any row count), up to the dialect's `bulkRows` for PostgreSQL (one round trip per chunk
    /// instead of one per row).
    /// - Parameters:
    ///   - rows: the values of each row (all of one width).
    ///   - sql: the statement for `k` rows.
    ///   - row: receives the rows a statement returns (`RETURNING`, `SELECT`); `nil` to run only.
    ///   - trailing: values bound after each chunk's rows (placeholders `sql(k)` has after its rows).
    func bulk(
        _ rows: [[DatabaseValue]], trailing: ((ArraySlice<[DatabaseValue]>) -> [DatabaseValue])? = nil,
        _ sql: (Int) -> String, row: ((Row) -> Void)? = nil
    ) throws(StoreError) {
        guard let width = rows.first?.count, width > 0 else { return }
        let chunk = max(1, min(database.dialect.bulkRows, 30_000 / width))
        if chunk == 1, row == nil, trailing == nil {
            try database.runEach(sql(1), rows[...])
            return
        }
        // The SQL of each chunk size, built once (a full chunk's text is long).
        var texts: [Int: String] = [:]
        var start = 0
        while start < rows.count {
            let end = min(start + chunk, rows.count)
            let values = rows[start..<end].flatMap { $0 } + (trailing?(rows[start..<end]) ?? [])
            let text = texts[end - start] ?? sql(end - start)
            texts[end - start] = text
            if let row {
                try database.forEachRow(text, values) { (r: Row) throws(StoreError) in row(r) }
            } else {
                try database.run(text, values)
            }
            start = end
        }
    }

    /// Row counts of SQLite's multi-row statements, largest first: a batch runs as statements of
    /// 64 rows, then of 8, then single rows, so at most three statements per table are compiled
    /// (and cached) whatever the batch size.
    static let sqliteStatementRows = [64, 8, 1]

    /// Runs the statement `sql(k)` over `rows`, `k` rows per statement: on SQLite a few fixed `k`
    /// (`sqliteStatementRows`), since one statement of 64 rows costs SQLite much less than 64 runs
    /// of a one-row statement (each run starts the program and opens and closes the cursors of the
    /// table, its indexes and its foreign keys); on PostgreSQL as `bulk`.
    /// - Parameters:
    ///   - rows: the values of each row (all of one width).
    ///   - sql: the statement for `k` rows (any `k` ≥ 1).
    /// - Returns: the number of rows the statements inserted, updated or deleted (SQLite); `nil` on
    ///   PostgreSQL.
    @discardableResult
    func bulkMultiRow(_ rows: [[DatabaseValue]], _ sql: (Int) -> String) throws(StoreError) -> Int? {
        guard database.dialect.engine == .sqlite else {
            try bulk(rows, sql)
            return nil
        }
        guard let width = rows.first?.count, width > 0 else { return 0 }
        return try bulkMultiRow(count: rows.count, width: width, { i, v in v.append(contentsOf: rows[i]) }, sql: sql)
    }

    /// SQLite's `bulkMultiRow` with rows made on the way: `row(i, &values)` appends row `i`'s
    /// `width` values to the statement's value list (no array per row).
    /// - Parameters:
    ///   - count: the number of rows.
    ///   - width: values per row.
    ///   - row: appends the values of row `i`.
    ///   - sql: the statement for `k` rows.
    /// - Returns: the number of rows the statements inserted, updated or deleted.
    /// - Throws: `StoreError.sqlite`.
    @discardableResult
    func bulkMultiRow(
        count: Int, width: Int, _ row: (Int, inout [DatabaseValue]) -> Void, sql: (Int) -> String
    ) throws(StoreError) -> Int {
        guard count > 0, width > 0 else { return 0 }
        var start = 0
        var changed = 0
        var values: [DatabaseValue] = []
        for k in Self.sqliteStatementRows where k == 1 || k * width <= 30_000 {
            guard count - start >= k else { continue }
            let text = sql(k)
            values.reserveCapacity(k * width)
            while count - start >= k {
                values.removeAll(keepingCapacity: true)
                for i in start..<start + k { row(i, &values) }
                changed += try database.run(text, values)
                start += k
            }
        }
        return changed
    }

    /// `(?, …, ?), (?, …, ?)`: `rows` tuples of `columns` placeholders.
    static func valueRows(_ rows: Int, columns: Int) -> String {
        let tuple = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return Array(repeating: tuple, count: rows).joined(separator: ", ")
    }

    /// A `SELECT` of `rows` rows of typed placeholders named `names`, to use as a derived table.
    /// SQLite (no column list on `VALUES … AS v(…)`): `SELECT CAST(? AS T1) AS n1, … UNION ALL
    /// SELECT …`. PostgreSQL: `SELECT * FROM (VALUES (CAST(? AS T1), …), (?, …)) AS r(n1, …)`, one
    /// Values Scan; PostgreSQL plans a `UNION ALL` of 500 rows at every bind (measured 32 ms a chunk).
    static func selectRows(_ rows: Int, types: [String], names: [String], dialect: SQLDialect) -> String {
        if dialect.engine == .postgresql {
            let first = "(" + types.map { "CAST(? AS \($0))" }.joined(separator: ", ") + ")"
            let other = "(" + Array(repeating: "?", count: types.count).joined(separator: ", ") + ")"
            return "SELECT * FROM (VALUES "
                + ([first] + Array(repeating: other, count: max(0, rows - 1)))
                .joined(separator: ", ") + ") AS r(" + names.joined(separator: ", ") + ")"
        }
        let first = zip(types, names).map { "CAST(? AS \($0)) AS \($1)" }.joined(separator: ", ")
        let other = types.map { "CAST(? AS \($0))" }.joined(separator: ", ")
        return (["SELECT " + first] + Array(repeating: "SELECT " + other, count: max(0, rows - 1)))
            .joined(separator: " UNION ALL ")
    }

    /// The stored result of a task, rebuilt from its rows, or `nil` when it has none.
    /// - Throws: `StoreError.corruptValue`, `.sqlite`.
    public func result(for key: TaskKey) throws(StoreError) -> SimulationResult? {
        guard
            let head = try database.rows(
                """
                SELECT r.task_id, r.status, r.path, r.steps, r.final_loss, r.final_erank, r.seconds, r.best_step,
                    r.best_error, r.best_inside, r.targets, r.observed_entries, r.unobserved_lines, r.ratio_targets
                FROM tasks t JOIN results r ON r.task_id = t.id WHERE t.key = ?
                """, [.text(key.hex)]
            ).first, let id = head.int(at: 0), var result = try Self.resultHead(head, at: 1, key: key)
        else { return nil }
        for row in try database.rows(
            """
            SELECT measure, rank, target, measured, start, "end", length, middle_error, predicted, predicted_start,
                predicted_end
            FROM intervals WHERE task_id = ? ORDER BY measure, rank
            """, [.integer(id)])
        {
            Self.appendInterval(row, at: 0, to: &result)
        }
        if let row = try database.rows(
            "SELECT steps, loss, erank, erank_ratio, clean_error, product_norm, unobserved_max FROM trajectories "
                + "WHERE task_id = ?", [.integer(id)]
        ).first {
            result.trajectory = try Self.trajectory(row, at: 0, key: key)
        }
        // A store opened read-only may predate the recovery table: then nothing was recorded.
        guard try Schema.hasTable("recovery", database) else { return result }
        if let row = try database.rows(
            """
            SELECT \(Self.recoverySeriesSelect(true)) final_error, final_unobserved_error, final_clean_error,
                best_recovery_error, best_recovery_step
            FROM recovery e WHERE task_id = ?
            """, [.integer(id)]
        ).first {
            try Self.applyRecoverySeries(row, at: 0, to: &result.trajectory, key: key)
            Self.applyRecovery(row, at: Self.recoverySeries.count, to: &result)
        }
        return result
    }

    /// The `intervals` rows of a result under both measures (values after `task_id`).
    static func intervalRows(_ r: SimulationResult) -> [[DatabaseValue]] {
        EffectiveRankMeasure.allCases.flatMap { measure in r[measure].map { intervalRows($0, measure: measure) } ?? [] }
    }

    /// One row per rank that has a measured or a predicted interval under one measure (values after
    /// `task_id`: measure, rank, target, …).
    static func intervalRows(_ r: RankIntervals, measure: EffectiveRankMeasure) -> [[DatabaseValue]] {
        let measured = Dictionary(r.intervals.map { ($0.rank, $0) }, uniquingKeysWith: { a, _ in a })
        let predicted = Dictionary(r.predicted.map { ($0.rank, $0) }, uniquingKeysWith: { a, _ in a })
        let ranks = Set(measured.keys).union(predicted.keys).sorted()
        return ranks.map { rank in
            let m = measured[rank]
            let p = predicted[rank]
            let target = m?.target ?? (rank >= 1 && rank <= r.targets.count ? r.targets[rank - 1] : nil)
            return [
                .text(measure.rawValue), .integer(rank), finite(target), DatabaseValue(m != nil),
                DatabaseValue(m?.start), DatabaseValue(m?.end), DatabaseValue(m?.length), finite(m?.middleError),
                DatabaseValue(p != nil), finite(p?.start), finite(p?.end),
            ]
        }
    }

    /// A per-point column: NULL when no point has a value, else the values with NaN for the missing.
    static func optionalColumn(_ values: [Double?]) -> DatabaseValue {
        values.contains { $0 != nil } ? .blob(PackedArray.pack(values.map { $0 ?? .nan })) : .null
    }

    /// A real, or NULL when it is missing or not finite (SQLite stores NaN as NULL anyway).
    static func finite(_ v: Double?) -> DatabaseValue {
        guard let v, v.isFinite else { return .null }
        return .real(v)
    }
}
