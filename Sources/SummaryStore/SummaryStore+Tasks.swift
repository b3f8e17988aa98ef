import Factorization
import Foundation
import Sweeps

extension SummaryStore {
    /// Registers a sweep and inserts the tasks the store does not have yet, in one transaction.
    ///
    /// The sweep's membership becomes exactly `tasks` (in their order); tasks already in the store
    /// (same key, from any sweep) keep their state and results. Registering the same sweep again
    /// is cheap and changes nothing but `updated`; growing it (a sweep file with more values)
    /// adds the new tasks. A file that would DROP tasks from a sweep of the same name — most
    /// likely another sweep that reuses the name — is refused unless `replace` is set, since the
    /// dropped tasks would silently vanish from `--sweep NAME` queries.
    /// - Parameters:
    ///   - name: the sweep's name.
    ///   - spec: the sweep file's text (kept for reference).
    ///   - tasks: the expanded tasks; duplicates (same key) count once.
    ///   - replace: allow the new task list to drop tasks of the existing sweep (their rows and
    ///     results stay in the store, outside this sweep).
    /// - Returns: counts of distinct tasks: total, new, existing, done, dropped.
    /// - Throws: `StoreError.sweepChanged` (nothing written), `.sqlite`.
    @discardableResult
    public func registerSweep(
        name: String, spec: String, tasks: [SweepTask], replace: Bool = false
    ) throws(StoreError) -> SweepRegistration {
        let now = Self.now
        return try database.inTransaction { () throws(StoreError) -> SweepRegistration in
            let dropped = try checkRegistration(name: name, tasks: tasks, replace: replace)
            try database.run(
                """
                INSERT INTO sweeps (name, spec, created, updated) VALUES (?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated = excluded.updated
                """, [.text(name), .text(spec), .real(now), .real(now)])
            guard let sweepID = try database.scalar("SELECT id FROM sweeps WHERE name = ?", [.text(name)])?.intValue
            else {
                throw StoreError.unknownSweep(name: name, suggestion: nil)
            }
            try database.run("DELETE FROM sweep_tasks WHERE sweep_id = ?", [.integer(sweepID)])
            // Distinct tasks in order (a key twice counts once); new ones inserted (RETURNING tells
            // which), the ids of the others looked up, then the memberships, in bulk.
            var seen = Set<String>()
            let unique = tasks.filter { seen.insert($0.key.hex).inserted }
            let columns = SimulationConfig.parameters.map(ParameterColumns.quoted)
            var ids: [String: Int] = [:]
            var registration = SweepRegistration(total: unique.count, new: 0, existing: 0, done: 0)
            let taskRows = unique.map { task -> [DatabaseValue] in
                [.text(task.key.hex)] + ParameterColumns.values(of: task.config) + [
                    .text(task.canonicalJSON), .real(now),
                ]
            }
            try bulk(
                taskRows,
                { k in
                    "INSERT INTO tasks (key, \(columns.joined(separator: ", ")), canonical, created) VALUES "
                        + Self.valueRows(k, columns: columns.count + 3)
                        + " ON CONFLICT (key) DO NOTHING RETURNING key, id"
                },
                row: { row in
                    if let key = row.string(at: 0), let id = row.int(at: 1) { ids[key] = id }
                })
            registration.new = ids.count
            registration.existing = unique.count - ids.count
            let known = unique.map(\.key.hex).filter { ids[$0] == nil }
            try bulk(
                known.map { [.text($0)] },
                { k in
                    "SELECT key, id FROM tasks WHERE key IN (\(Array(repeating: "?", count: k).joined(separator: ", ")))"
                },
                row: { row in
                    if let key = row.string(at: 0), let id = row.int(at: 1) { ids[key] = id }
                })
            var memberships: [[DatabaseValue]] = []
            for (position, task) in unique.enumerated() {
                guard let id = ids[task.key.hex] else {
                    throw StoreError.corruptValue(table: "tasks", column: "key", detail: "lost \(task.key)")
                }
                memberships.append([.integer(sweepID), .integer(id), .integer(position)])
            }
            try bulk(memberships) { k in
                "INSERT INTO sweep_tasks (sweep_id, task_id, position) VALUES \(Self.valueRows(k, columns: 3))"
            }
            registration.dropped = dropped
            registration.done = try countByState(sweepID: sweepID).done
            return registration
        }
    }

    /// Whether `registerSweep(name:spec:tasks:replace:)` would accept `tasks` for the sweep `name`:
    /// the check it makes before writing anything, for `plan` to warn ahead of `run`.
    /// - Parameters:
    ///   - name: the sweep's name.
    ///   - tasks: the expanded tasks; duplicates (same key) count once.
    ///   - replace: whether dropping tasks of the stored sweep is allowed.
    /// - Returns: how many tasks of the stored sweep `tasks` does not have (0 for a new sweep).
    /// - Throws: `StoreError.sweepChanged` when that number is not 0 and `replace` is false, `.sqlite`.
    @discardableResult
    public func checkRegistration(name: String, tasks: [SweepTask], replace: Bool = false) throws(StoreError) -> Int {
        guard let oldID = try database.scalar("SELECT id FROM sweeps WHERE name = ?", [.text(name)])?.intValue else {
            return 0
        }
        let keeping = Set(tasks.map(\.key.hex))
        var dropped = 0
        try database.forEachRow(
            "SELECT t.key FROM sweep_tasks m JOIN tasks t ON t.id = m.task_id WHERE m.sweep_id = ?", [.integer(oldID)]
        ) { (row: Row) throws(StoreError) in
            if !keeping.contains(row.string(at: 0) ?? "") { dropped += 1 }
        }
        if dropped > 0 && !replace {
            throw StoreError.sweepChanged(name: name, dropped: dropped, total: keeping.count)
        }
        return dropped
    }

    /// The tasks of a sweep that have no result yet (pending or running, optionally failed), in
    /// sweep order. Running tasks are included: after a crash nobody is running them.
    /// - Parameters:
    ///   - sweep: the sweep's name.
    ///   - includeFailed: also return failed tasks (default: they wait for `resetFailed`).
    ///   - limit: at most this many.
    /// - Throws: `StoreError.unknownSweep`, `.corruptValue`, `.sqlite`.
    public func unfinishedTasks(sweep: String, includeFailed: Bool = false, limit: Int? = nil) throws(StoreError)
        -> [SweepTask]
    {
        let sweepID = try self.sweepID(sweep)
        let columns = SimulationConfig.parameters.map { "t." + ParameterColumns.quoted($0) }
        let states = includeFailed ? "('pending', 'running', 'failed')" : "('pending', 'running')"
        var tasks: [SweepTask] = []
        for stmt in try database.rows(
            """
            SELECT t.key, t.canonical, t.id, t.p_tolerance, \(columns.joined(separator: ", "))
            FROM sweep_tasks m JOIN tasks t ON t.id = m.task_id
            WHERE m.sweep_id = ? AND t.status IN \(states)
            ORDER BY m.position \(database.dialect.limit(limit))
            """, [.integer(sweepID)])
        {
            let values = (0..<columns.count).map { stmt.value(at: $0 + 4) }
            let key = TaskKey(hex: stmt.string(at: 0) ?? "")
            tasks.append(
                SweepTask(
                    key: key, config: try ParameterColumns.config(from: values),
                    canonicalJSON: stmt.string(at: 1) ?? ""))
            // The ids `recordResults` will need (`knownTasks`).
            if database.dialect.engine == .sqlite, let id = stmt.int(at: 2) {
                knownTasks[key] = KnownTask(id: id, tolerance: stmt.double(at: 3))
            }
        }
        return tasks
    }

    /// Which of `keys` already have a result (keys not in the store are not done).
    /// - Throws: `StoreError.sqlite`.
    public func doneKeys(among keys: [TaskKey]) throws(StoreError) -> Set<TaskKey> {
        var done = Set<TaskKey>()
        for key in Set(keys)
        where try database.scalar("SELECT 1 FROM tasks WHERE key = ? AND status = 'done'", [.text(key.hex)]) != nil {
            done.insert(key)
        }
        return done
    }

    /// How many of `keys` already have a result (keys not in the store count as not done).
    /// - Throws: `StoreError.sqlite`.
    public func doneCount(keys: [TaskKey]) throws(StoreError) -> Int {
        try doneKeys(among: keys).count
    }

    /// Records task starts as they happen: state `running`, the worker, its host and the start
    /// time set, attempts + 1 (every start is an attempt: a task re-queued after a worker loss or
    /// recomputed after a coordinator restart counts again; an adopted task, still running from
    /// before a coordinator restart, does not). Tasks already done or failed are left alone (a
    /// late start of a task that moved on).
    /// - Parameter starts: the starts, in order (a key started twice counts twice).
    /// - Throws: `StoreError.sqlite`.
    public func markRunning(_ starts: [TaskStart]) throws(StoreError) {
        guard !starts.isEmpty else { return }
        // One row per task: the latest start's worker, host and time, and how many attempts the
        // starts count (an adopted task keeps the start time and count of the attempt it continues).
        var latest: [(start: TaskStart, count: Int)] = []
        var slot: [TaskKey: Int] = [:]
        slot.reserveCapacity(starts.count)
        for s in starts {
            if let i = slot[s.key] {
                latest[i] = (s, latest[i].count + s.attemptIncrement)
            } else {
                slot[s.key] = latest.count
                latest.append((s, s.attemptIncrement))
            }
        }
        let rows = latest.map { s, count -> [DatabaseValue] in
            [.text(s.key.hex), DatabaseValue(s.worker), DatabaseValue(s.host), s.recordedStart, .integer(count)]
        }
        let d = database.dialect
        try database.inTransaction { () throws(StoreError) in
            if d.engine == .sqlite {
                // SQLite: many rows per statement, as a `VALUES` list joined on the key (its index).
                try bulkMultiRow(rows) { k in
                    """
                    WITH v(key, worker, host, started, n) AS (VALUES \(Self.valueRows(k, columns: 5)))
                    UPDATE tasks SET status = 'running', worker = v.worker, host = v.host,
                        started = coalesce(v.started, tasks.started), attempts = tasks.attempts + v.n, error = NULL
                    FROM v WHERE tasks.key = v.key AND tasks.status IN ('pending', 'running')
                    """
                }
                return
            }
            // PostgreSQL's chunks list the keys again after the rows: the tasks are then read by
            // their key's index, not by a scan of the table hashed against the derived table.
            try bulk(rows, trailing: { rows in rows.map { $0[0] } }) { k in
                let types = [d.text, d.text, d.text, d.real, d.integer]
                return """
                    UPDATE tasks SET status = 'running', worker = v.worker, host = v.host,
                        started = coalesce(v.started, tasks.started), attempts = tasks.attempts + v.n, error = NULL
                    FROM (\(Self.selectRows(k, types: types, names: ["key", "worker", "host", "started", "n"], dialect: d)))
                        AS v
                    WHERE tasks.key = v.key AND tasks.status IN ('pending', 'running')
                        AND tasks.key IN (\(Array(repeating: "?", count: k).joined(separator: ", ")))
                    """
            }
        }
    }

    /// Puts `running` tasks back to `pending`: their attempt ended without a result (the worker
    /// was lost or left, or the attempt timed out) and they wait to be handed out again. Worker,
    /// host, start and attempts stay as the record of the last attempt.
    /// - Parameter keys: the tasks.
    /// - Throws: `StoreError.sqlite`.
    public func markPending(_ keys: [TaskKey]) throws(StoreError) {
        guard !keys.isEmpty else { return }
        try database.inTransaction { () throws(StoreError) in
            try bulkMultiRow(keys.map { [.text($0.hex)] }) { k in
                """
                UPDATE tasks SET status = 'pending'
                WHERE status = 'running' AND key IN (\(Array(repeating: "?", count: k).joined(separator: ", ")))
                """
            }
        }
    }

    /// Records failed attempts in one transaction: state `failed`, the error text, when, and who.
    /// A failure whose start was not recorded (`TaskFailure.start`) counts that attempt; attempts
    /// are at least 1 for a failed task. A task that is already done keeps its result and state.
    /// - Returns: how many were written and which keys are unknown.
    /// - Throws: `StoreError.sqlite`.
    @discardableResult
    public func markFailed(_ failures: [TaskFailure]) throws(StoreError) -> RecordSummary {
        guard !failures.isEmpty else { return RecordSummary(recorded: 0, unknown: []) }
        let now = Self.now
        let update = """
            UPDATE tasks SET status = 'failed', error = ?, worker = coalesce(?, worker), host = coalesce(?, host),
                started = coalesce(?, started), finished = ?, attempts = \(database.dialect.greatest("attempts + ?", "1"))
            WHERE key = ? AND status != 'done'
            """
        return try database.inTransaction { () throws(StoreError) -> RecordSummary in
            var summary = RecordSummary(recorded: 0, unknown: [])
            for f in failures {
                let changed = try database.run(
                    update,
                    [
                        .text(f.error), DatabaseValue(f.worker), DatabaseValue(f.host),
                        f.start?.recordedStart ?? .null, .real(now),
                        .integer(f.start?.attemptIncrement ?? 0), .text(f.key.hex),
                    ])
                if changed == 1 {
                    summary.recorded += 1
                } else if try database.scalar("SELECT 1 FROM tasks WHERE key = ?", [.text(f.key.hex)]) == nil {
                    summary.unknown.append(f.key)
                }
            }
            return summary
        }
    }

    /// Puts failed tasks back to `pending` (attempts are kept) so they run again.
    /// - Parameter sweep: only this sweep's tasks; `nil` for every failed task.
    /// - Returns: the number of tasks reset.
    /// - Throws: `StoreError.unknownSweep`, `.sqlite`.
    @discardableResult
    public func resetFailed(sweep: String? = nil) throws(StoreError) -> Int {
        try resetState(.failed, sweep: sweep)
    }

    /// Puts `running` tasks back to `pending` (after a runner or coordinator died: nobody runs
    /// them any more). Attempts are kept; the next start counts one more.
    /// - Returns: the number of tasks reset.
    /// - Throws: `StoreError.unknownSweep`, `.sqlite`.
    @discardableResult
    public func resetRunning(sweep: String? = nil) throws(StoreError) -> Int {
        try resetState(.running, sweep: sweep)
    }

    private func resetState(_ state: TaskState, sweep: String?) throws(StoreError) -> Int {
        let stateValue = DatabaseValue.text(state.rawValue)
        return try database.inTransaction { () throws(StoreError) -> Int in
            if let sweep {
                let id = try sweepID(sweep)
                return try database.run(
                    """
                    UPDATE tasks SET status = 'pending', error = NULL
                    WHERE status = ? AND id IN (SELECT task_id FROM sweep_tasks WHERE sweep_id = ?)
                    """, [stateValue, .integer(id)])
            } else {
                return try database.run(
                    "UPDATE tasks SET status = 'pending', error = NULL WHERE status = ?", [stateValue])
            }
        }
    }

    /// Task counts by state, for one sweep or the whole store.
    /// - Throws: `StoreError.unknownSweep`, `.sqlite`.
    public func statusCounts(sweep: String? = nil) throws(StoreError) -> StatusCounts {
        if let sweep { return try countByState(sweepID: try sweepID(sweep)) }
        return try readCounts(database.rows("SELECT status, count(*) FROM tasks GROUP BY status"))
    }

    /// Every sweep with its progress, oldest first.
    /// - Throws: `StoreError.sqlite`.
    public func sweeps() throws(StoreError) -> [SweepSummary] {
        // `updated`: the later of the last registration and the last task finishing (done or failed).
        let lastFinish = """
            coalesce((SELECT max(t.finished) FROM sweep_tasks m JOIN tasks t ON t.id = m.task_id
                      WHERE m.sweep_id = s.id), 0)
            """
        var rows: [(Int, String, Double, Double)] = []
        for stmt in try database.rows(
            """
            SELECT s.id, s.name, s.created, \(database.dialect.greatest("s.updated", lastFinish))
            FROM sweeps s ORDER BY s.created, s.id
            """)
        {
            rows.append(
                (stmt.int(at: 0) ?? 0, stmt.string(at: 1) ?? "", stmt.double(at: 2) ?? 0, stmt.double(at: 3) ?? 0))
        }
        var out: [SweepSummary] = []
        for (id, name, created, updated) in rows {
            out.append(
                SweepSummary(
                    name: name, created: Date(timeIntervalSince1970: created),
                    updated: Date(timeIntervalSince1970: updated), counts: try countByState(sweepID: id)))
        }
        return out
    }

    /// The spec text a sweep was last registered with.
    /// - Throws: `StoreError.unknownSweep`, `.sqlite`.
    public func sweepSpec(_ name: String) throws(StoreError) -> String {
        _ = try sweepID(name)
        return try database.scalar("SELECT spec FROM sweeps WHERE name = ?", [.text(name)])?.stringValue ?? ""
    }

    /// The bookkeeping of one task, or `nil` when the key is unknown.
    /// - Throws: `StoreError.corruptValue`, `.sqlite`.
    public func task(_ key: TaskKey) throws(StoreError) -> StoredTask? {
        guard
            let row = try database.rows(
                "SELECT \(Self.storedTaskColumns) FROM tasks t WHERE t.key = ?", [.text(key.hex)]
            ).first
        else { return nil }
        return try Self.storedTask(row)
    }

    /// The tasks of a sweep (or of the whole store) in one state, in sweep order: the running
    /// ones with their worker, host and start, the failed ones with their attempts and error.
    /// - Parameters:
    ///   - state: the state.
    ///   - sweep: only this sweep's tasks; `nil` for the whole store.
    ///   - limit: at most this many (`nil`: all).
    /// - Returns: the tasks, ordered by position in the sweep (by insertion for the whole store).
    /// - Throws: `StoreError.unknownSweep`, `.corruptValue`, `.sqlite`.
    public func tasks(in state: TaskState, sweep: String? = nil, limit: Int? = nil) throws(StoreError) -> [StoredTask] {
        let rows: [Row]
        if let sweep {
            rows = try database.rows(
                """
                SELECT \(Self.storedTaskColumns) FROM sweep_tasks m JOIN tasks t ON t.id = m.task_id
                WHERE m.sweep_id = ? AND t.status = ? ORDER BY m.position \(database.dialect.limit(limit))
                """, [.integer(try sweepID(sweep)), .text(state.rawValue)])
        } else {
            rows = try database.rows(
                """
                SELECT \(Self.storedTaskColumns) FROM tasks t WHERE t.status = ?
                ORDER BY t.id \(database.dialect.limit(limit))
                """, [.text(state.rawValue)])
        }
        var out: [StoredTask] = []
        for row in rows { out.append(try Self.storedTask(row)) }
        return out
    }

    /// The columns `storedTask(_:)` reads, over alias `t`.
    static var storedTaskColumns: String {
        (["t.key", "t.status", "t.attempts", "t.worker", "t.host", "t.started", "t.finished", "t.error", "t.canonical"]
            + SimulationConfig.parameters.map { "t." + ParameterColumns.quoted($0) }).joined(separator: ", ")
    }

    static func storedTask(_ row: Row) throws(StoreError) -> StoredTask {
        guard let state = TaskState(rawValue: row.string(at: 1) ?? "") else {
            throw StoreError.corruptValue(table: "tasks", column: "status", detail: row.string(at: 1) ?? "NULL")
        }
        let values = (0..<SimulationConfig.parameters.count).map { row.value(at: $0 + 9) }
        return StoredTask(
            key: TaskKey(hex: row.string(at: 0) ?? ""), state: state, attempts: row.int(at: 2) ?? 0,
            worker: row.string(at: 3), host: row.string(at: 4),
            started: row.double(at: 5).map(Date.init(timeIntervalSince1970:)),
            finished: row.double(at: 6).map(Date.init(timeIntervalSince1970:)), error: row.string(at: 7),
            config: try ParameterColumns.config(from: values), canonicalJSON: row.string(at: 8) ?? "")
    }

    /// The names of every sweep (for suggestions).
    func sweepNames() throws(StoreError) -> [String] {
        try database.rows("SELECT name FROM sweeps").map { $0.string(at: 0) ?? "" }
    }

    /// The row id of a sweep.
    /// - Throws: `StoreError.unknownSweep` with a suggestion.
    func sweepID(_ name: String) throws(StoreError) -> Int {
        if let id = try database.scalar("SELECT id FROM sweeps WHERE name = ?", [.text(name)])?.intValue { return id }
        throw StoreError.unknownSweep(name: name, suggestion: Suggestion.closest(to: name, among: try sweepNames()))
    }

    private func countByState(sweepID: Int) throws(StoreError) -> StatusCounts {
        try readCounts(
            database.rows(
                """
                SELECT t.status, count(*) FROM sweep_tasks m JOIN tasks t ON t.id = m.task_id
                WHERE m.sweep_id = ? GROUP BY t.status
                """, [.integer(sweepID)]))
    }

    private func readCounts(_ rows: [Row]) -> StatusCounts {
        var counts = StatusCounts()
        for stmt in rows {
            if let state = TaskState(rawValue: stmt.string(at: 0) ?? "") { counts[state] = stmt.int(at: 1) ?? 0 }
        }
        return counts
    }
}
