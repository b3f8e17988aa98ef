import Factorization
import Foundation

/// The store's tables, indexes and version, on both engines.
///
/// SQLite: the version lives in `PRAGMA user_version`; `PRAGMA application_id` marks the file as
/// a dmfsweep store. PostgreSQL: both live in the `meta` table (`schema_version`, `application`).
/// A store of another version is refused with a message naming both versions, unless the caller
/// asked to migrate and a migration path exists (`Schema.migrations`).
///
/// The tables are written once, in SQLite's type names; `ddl(_:for:)` spells them for PostgreSQL
/// (BIGINT, DOUBLE PRECISION, BYTEA, identity keys), so both engines always have the same tables.
enum Schema {
    /// The schema version this build reads and writes.
    static let version = 4

    /// `PRAGMA application_id`: "dmfs" in ASCII.
    static let applicationID: Int32 = 0x646D_6673

    /// A step from one schema version to the next; run inside the opening transaction.
    struct Migration: Sendable {
        let from: Int
        let sql: String
        /// Computes what SQL alone cannot, after every step's `sql` and after missing parameter
        /// columns were added (so every task's configuration can be read back); same transaction.
        var backfill: (@Sendable (any DatabaseDriver) throws(StoreError) -> Void)? = nil
    }

    /// Registered migrations, keyed by the version they start from.
    ///
    /// - 1 → 2: the completion mask's observed entries and unobserved rows + columns per result.
    /// - 2 → 3: `tasks.host`, the host of the worker that ran the task's latest attempt (the
    ///   lifecycle columns `worker`, `started`, `attempts` are filled from then on as tasks start).
    /// - 3 → 4: both effective-rank measures, and two more per-point trajectory series. `intervals`
    ///   gets `measure` ('entropy', 'ratio') in its primary key, and `results` the ratio targets
    ///   `ratio_targets` and `ratio_missing`; the existing interval rows become 'entropy' and the
    ///   ratio rows and targets are computed (`MeasureUpgrade`). `trajectories` gets `product_norm`
    ///   and `unobserved_max` (‖W‖_F; completion: the largest |W_ij| over the unobserved entries),
    ///   NULL for the trajectories stored before: the factors are not stored, so neither can be
    ///   computed afterwards. On PostgreSQL the result tables lose their foreign keys to `tasks`
    ///   (`dropResultForeignKeys`, run by every read-write open, so also after this step).
    static let migrations: [Migration] = [
        // Version 2: the completion mask's observed entries and unobserved rows + columns per result
        // (NULL for the other problems, and for results recorded before version 2).
        Migration(
            from: 1,
            sql: "ALTER TABLE results ADD COLUMN observed_entries INTEGER; "
                + "ALTER TABLE results ADD COLUMN unobserved_lines INTEGER"),
        // Version 3: the worker's host per task (NULL for tasks that have not started since).
        Migration(from: 2, sql: "ALTER TABLE tasks ADD COLUMN host TEXT"),
        // Version 4: the measure in the intervals' key (a new table: SQLite cannot change a primary
        // key in place), the ratio targets per result, and the ratio rows computed by `MeasureUpgrade`;
        // per-point product norm and unobserved maximum (NULL for trajectories stored before).
        Migration(
            from: 3,
            sql: intervalsTable(named: "intervals_v4") + "; "
                + "INSERT INTO intervals_v4 (task_id, measure, rank, target, measured, start, \"end\", length, "
                + "middle_error, predicted, predicted_start, predicted_end) "
                + "SELECT task_id, 'entropy', rank, target, measured, start, \"end\", length, middle_error, "
                + "predicted, predicted_start, predicted_end FROM intervals; "
                + "DROP TABLE intervals; ALTER TABLE intervals_v4 RENAME TO intervals; "
                + "ALTER TABLE results ADD COLUMN ratio_targets BLOB; "
                + "ALTER TABLE results ADD COLUMN ratio_missing TEXT; "
                + "ALTER TABLE trajectories ADD COLUMN product_norm BLOB; "
                + "ALTER TABLE trajectories ADD COLUMN unobserved_max BLOB",
            backfill: { db throws(StoreError) in try MeasureUpgrade.backfill(db) }),
    ]

    /// `intervals`: one row per task, effective-rank measure and rank r that has a measured or a
    /// predicted interval.
    static func intervalsTable(named name: String) -> String {
        """
        CREATE TABLE \(name) (
            task_id         INTEGER NOT NULL REFERENCES tasks (id),
            measure         TEXT NOT NULL CHECK (measure IN ('entropy', 'ratio')),  -- EffectiveRankMeasure
            rank            INTEGER NOT NULL,
            target          REAL,
            measured        INTEGER NOT NULL,  -- 1 when the result had an IntervalStat for this rank
            start           INTEGER,
            "end"           INTEGER,
            length          INTEGER,
            middle_error    REAL,
            predicted       INTEGER NOT NULL,  -- 1 when the result had a PredictedInterval
            predicted_start REAL,
            predicted_end   REAL,
            PRIMARY KEY (task_id, measure, rank)
        ) WITHOUT ROWID
        """
    }

    /// `cluster_live`: the distributed runtime's live state, one row per sweep (`publishLiveState`).
    ///
    /// Part of schema version 1, but added after the first version-1 stores were written (the
    /// runtime used to create it on its own, with this same definition). It is additive — nothing
    /// else refers to it, and builds that predate it never read it — so it does not bump the
    /// version: opening a version-1 store read-write creates it if missing (`additions`), and
    /// readers treat a missing table as "no live state".
    static let liveStateTable = """
        CREATE TABLE IF NOT EXISTS cluster_live (
            sweep   TEXT PRIMARY KEY,          -- the sweep's name
            updated REAL NOT NULL,             -- Unix seconds
            state   TEXT NOT NULL              -- the runtime's live state, JSON
        )
        """

    /// `coordinators`: which coordinator serves a sweep (`SummaryStore.claimSweep`), one row per
    /// served sweep. Additive like `cluster_live`: builds that predate it never read it.
    static let claimsTable = """
        CREATE TABLE IF NOT EXISTS coordinators (
            sweep     TEXT PRIMARY KEY,        -- the sweep's name
            owner     TEXT NOT NULL,           -- host:pid:uuid of the coordinator holding the claim
            host      TEXT NOT NULL,
            pid       INTEGER NOT NULL,
            heartbeat REAL NOT NULL            -- Unix seconds; the claim lapses after claimExpiry
        )
        """

    /// `recovery`: the recovery errors of a result (README, "Beyond the seed paper"), one row per
    /// result, written with it. Additive like `cluster_live`: a store written before it gets the
    /// table on its first read-write open, and its older results simply have no row (readers treat
    /// a missing row or table as "not recorded").
    static let recoveryTable = """
        CREATE TABLE IF NOT EXISTS recovery (
            task_id                INTEGER PRIMARY KEY REFERENCES tasks (id),
            final_error            REAL,     -- ‖W − Y‖_F / ‖Y‖_F at the last recorded step
            final_unobserved_error REAL,     -- the same on the unobserved entries (completion)
            final_clean_error      REAL,     -- ‖W − Y‖_F at the last recorded step
            best_recovery_error    REAL,     -- the smallest recorded relative error
            best_recovery_step     INTEGER,  -- its step
            error                  BLOB,     -- per trajectory point, little-endian float64, NaN if missing
            unobserved_error       BLOB      -- per point (completion); NULL when no point has one
        )
        """

    /// Tables of the current version that older files of the same version may lack; created
    /// (if missing) whenever such a store is opened read-write. Additive only: never a change to
    /// an existing table, which would need a new version and a migration.
    static let additions: [(table: String, sql: String)] = [
        ("cluster_live", liveStateTable), ("coordinators", claimsTable),
        (RankMonotonicityTable.name, RankMonotonicityTable.creation), ("recovery", recoveryTable),
    ]

    /// Creates the missing `additions` in one transaction (joining the caller's, if any), computing
    /// `rank_monotonicity`'s rows from the stored trajectories. Needs a read-write connection.
    static func addMissingTables(_ db: any DatabaseDriver) throws(StoreError) {
        let missing = try missingAdditions(db)
        guard !missing.isEmpty else { return }
        try db.inTransaction { () throws(StoreError) in
            for addition in missing { try db.run(ddl(addition.sql, for: db.dialect), []) }
            if missing.contains(where: { $0.table == RankMonotonicityTable.name }) {
                try RankMonotonicityTable.backfill(db)
            }
        }
    }

    /// The statements that create a version-`version` store.
    static var creation: [String] {
        [
            liveStateTable,
            claimsTable,
            """
            CREATE TABLE meta (
                key   TEXT PRIMARY KEY,
                value TEXT NOT NULL
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE sweeps (
                id      INTEGER PRIMARY KEY,
                name    TEXT NOT NULL UNIQUE,
                spec    TEXT NOT NULL,         -- the sweep file's text, as registered last
                created REAL NOT NULL,         -- Unix seconds
                updated REAL NOT NULL
            )
            """,
            """
            CREATE TABLE tasks (
                id        INTEGER PRIMARY KEY,
                key       TEXT NOT NULL UNIQUE,  -- 64 hex digits, SHA-256 of the canonical form
            \(ParameterColumns.definitions.map { "    " + $0 + "," }.joined(separator: "\n"))
                canonical TEXT NOT NULL,
                status    TEXT NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'running', 'done', 'failed')),
                attempts  INTEGER NOT NULL DEFAULT 0,  -- times the task was started
                worker    TEXT,                  -- the worker of the latest attempt
                created   REAL NOT NULL,
                started   REAL,
                finished  REAL,
                error     TEXT,
                host      TEXT                   -- the host of the latest attempt's worker (version 3)
            )
            """,
            tasksStatusIndex,
            """
            CREATE TABLE sweep_tasks (
                sweep_id INTEGER NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
                task_id  INTEGER NOT NULL REFERENCES tasks (id),
                position INTEGER NOT NULL,     -- order in the expanded sweep
                PRIMARY KEY (sweep_id, task_id)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX sweep_tasks_task ON sweep_tasks (task_id)",
            "CREATE UNIQUE INDEX sweep_tasks_position ON sweep_tasks (sweep_id, position)",
            """
            CREATE TABLE results (
                task_id     INTEGER PRIMARY KEY REFERENCES tasks (id),
                status      TEXT NOT NULL CHECK (status IN ('finished', 'converged', 'diverged')),
                path        TEXT NOT NULL,
                steps       INTEGER NOT NULL,
                final_loss  REAL,
                final_erank REAL,
                seconds     REAL NOT NULL,
                best_step   INTEGER,
                best_error  REAL,
                best_inside INTEGER,
                targets     BLOB NOT NULL,     -- little-endian float64 per rank, entropy measure
                recorded    REAL NOT NULL,
                observed_entries INTEGER,      -- completion: entries the mask observes, else NULL
                unobserved_lines INTEGER,      -- completion: rows + columns with no observed entry
                ratio_targets BLOB,            -- the same, ratio measure; NULL: not known (ratio_missing)
                ratio_missing TEXT             -- why ratio_targets is NULL (an upgraded store), else NULL
            )
            """,
            intervalsTable(named: "intervals"),
            """
            CREATE TABLE trajectories (
                task_id     INTEGER PRIMARY KEY REFERENCES tasks (id),
                points      INTEGER NOT NULL,
                steps       BLOB NOT NULL,     -- little-endian int64 per point
                loss        BLOB NOT NULL,     -- little-endian float64 per point
                erank       BLOB NOT NULL,
                erank_ratio BLOB NOT NULL,
                clean_error BLOB,              -- NULL when no point has one; NaN marks a missing value
                product_norm   BLOB,           -- ‖W‖_F per point (version 4; NULL for older trajectories)
                unobserved_max BLOB            -- completion: max |W_ij| over unobserved (i, j) per point
            )
            """,
            // After `tasks`, which they reference on SQLite.
            RankMonotonicityTable.creation,
            recoveryTable,
        ]
    }

    /// A statement of `creation` (or a migration) in the dialect's type names: unchanged for
    /// SQLite; for PostgreSQL `id INTEGER PRIMARY KEY` becomes an identity column, INTEGER → BIGINT
    /// (SQLite integers are 64-bit), REAL → DOUBLE PRECISION, BLOB → BYTEA, and `WITHOUT ROWID`
    /// (an SQLite storage option) is dropped.
    /// The result tables' `REFERENCES tasks (id)` is dropped on PostgreSQL too (`resultTables`).
    static func ddl(_ sql: String, for dialect: SQLDialect) -> String {
        guard dialect.engine == .postgresql else { return sql }
        var out = sql
        if let created = createdTable(sql), resultTables.contains(created) {
            out = out.replacingOccurrences(of: " REFERENCES tasks (id)", with: "")
        }
        out = out.replacingOccurrences(
            of: #"\bid(\s+)INTEGER PRIMARY KEY\b"#, with: "id$1" + dialect.serialKey, options: .regularExpression)
        for (from, to) in [("INTEGER", "BIGINT"), ("REAL", "DOUBLE PRECISION"), ("BLOB", "BYTEA")] {
            out = out.replacingOccurrences(of: "\\b\(from)\\b", with: to, options: .regularExpression)
        }
        return out.replacingOccurrences(of: " WITHOUT ROWID", with: "")
    }

    /// The tables `recordResults` writes (and the 3 → 4 migration's new `intervals`). On PostgreSQL
    /// they carry no foreign key to `tasks`: the server checked one with a query of its own per
    /// inserted row (`RI_FKey_check`, about 9 rows per result), 40% of the CPU of recording results
    /// (docs/summary-store.md, "Foreign keys on PostgreSQL"). Integrity holds by construction:
    /// `recordResults` is the only writer of these tables and takes the task ids from rows it reads
    /// in the same transaction, and no statement deletes a task. `SummaryStore.orphanRows()` (shown
    /// by `dmfsweep store info`) checks it on both engines. SQLite keeps its foreign keys (they
    /// cost it little: the parent row's b-tree page is in the cache).
    static let resultTables: Set<String> = Set(ResultTable.all.map(\.name) + ["intervals_v4"])

    /// The table a `CREATE TABLE` statement creates, or `nil` for any other statement.
    private static func createdTable(_ sql: String) -> String? {
        guard
            let match = sql.range(
                of: #"^\s*CREATE TABLE (IF NOT EXISTS )?[a-z_0-9]+"#, options: .regularExpression)
        else { return nil }
        return sql[match].split(separator: " ").last.map(String.init)
    }

    /// Drops the foreign keys from the result tables to `tasks` on PostgreSQL, where schema 4 has
    /// none (`resultTables`): stores of schema 1–3 had them, and so did schema-4 stores written
    /// before this change (version 4 was not released then). Inside the caller's transaction.
    /// Only the tables' owner may drop them: a role that writes but does not own the tables leaves
    /// them (the store stays correct, its writes slower).
    /// - Returns: the tables whose foreign keys were dropped.
    static func dropResultForeignKeys(_ db: PostgresConnection) throws(StoreError) -> [String] {
        let found = try db.rows(
            """
            SELECT c.conrelid::regclass::text, quote_ident(c.conname) FROM pg_constraint c
            WHERE c.contype = 'f' AND c.confrelid = to_regclass('tasks')
              AND c.conrelid IN (SELECT to_regclass(t) FROM unnest(CAST(? AS TEXT[])) AS t)
              AND pg_has_role((SELECT relowner FROM pg_class WHERE oid = c.conrelid), 'USAGE')
            ORDER BY 1, 2
            """, [.text("{" + resultTables.sorted().joined(separator: ",") + "}")])
        var tables: [String] = []
        for row in found {
            guard let table = row.string(at: 0), let constraint = row.string(at: 1) else { continue }
            try db.run("ALTER TABLE \(table) DROP CONSTRAINT \(constraint)", [])
            if !tables.contains(table) { tables.append(table) }
        }
        return tables
    }

    /// The index of `tasks.status`: SQLite only (`tuneTasksForUpdates`).
    static let tasksStatusIndex = "CREATE INDEX tasks_status ON tasks (status)"

    /// Makes PostgreSQL's updates of `tasks` HOT (heap-only tuples; PostgreSQL's
    /// src/backend/access/heap/README.HOT): an update that changes no indexed column and finds room
    /// on its row's page writes no index entry. Each task's row is updated as it starts and as it
    /// ends, and the update to `done` changed `status`, which `tasks_status` indexed, so every done
    /// task inserted into the three indexes of `tasks` and onto a new page. So on PostgreSQL
    /// `tasks` has no index on `status` and leaves half of each page free (`fillfactor = 50`):
    /// 1,000 updates to `done` took 3.3 ms instead of 10.6 ms (250,000 tasks), and recording
    /// results 15% less server CPU (docs/summary-store.md). The price: the table takes twice the
    /// pages, and a sweep's running or failed tasks (`status`) are found by scanning the sweep's
    /// tasks (65–85 ms for 250,000, against 1 ms by the index; its status counts scan them anyway,
    /// 100–130 ms). SQLite keeps the index: it updates a row in place in its b-tree.
    ///
    /// Run on every read-write open (existing stores are converted; the new fillfactor applies to
    /// the pages written from then on), inside the caller's transaction. Only the table's owner may
    /// change it: another role that writes leaves it as it is (correct, slower to update); and
    /// while another session holds a lock on `tasks` for longer than `conversionLockTimeout`, the
    /// open goes on without converting (a later one does).
    /// - Returns: whether something was changed.
    static func tuneTasksForUpdates(_ db: PostgresConnection) throws(StoreError) -> Bool {
        let state = try db.rows(
            """
            SELECT pg_has_role(c.relowner, 'USAGE'), to_regclass('tasks_status') IS NOT NULL,
                   coalesce('fillfactor=50' = ANY (c.reloptions), false)
            FROM pg_class c WHERE c.oid = to_regclass('tasks')
            """
        ).first
        // Booleans arrive as SQLite's 0/1.
        guard let state, state.int(at: 0) == 1, state.int(at: 1) == 1 || state.int(at: 2) == 0 else { return false }
        // DROP INDEX takes an exclusive lock on `tasks`: behind a long reader (an export) it would
        // queue, and every writer of `tasks` behind it. So it waits at most `conversionLockTimeout`
        // and otherwise leaves the conversion to a later open.
        try db.run("SAVEPOINT tune_tasks", [])
        do {
            try db.run("SET LOCAL lock_timeout = '\(conversionLockTimeout)'", [])
            try db.run("DROP INDEX IF EXISTS tasks_status", [])
            try db.run("ALTER TABLE tasks SET (fillfactor = 50)", [])
            try db.run("RELEASE SAVEPOINT tune_tasks", [])
            try db.run("SET LOCAL lock_timeout = DEFAULT", [])
            return true
        } catch .postgres(let state, _, _) where state == "55P03" {  // lock_not_available
            try db.run("ROLLBACK TO SAVEPOINT tune_tasks", [])
            try db.run("RELEASE SAVEPOINT tune_tasks", [])
            return false
        }
    }

    /// How long `tuneTasksForUpdates` waits for the lock on `tasks` (PostgreSQL's `lock_timeout`).
    static let conversionLockTimeout = "2s"

    /// The `meta.application` value that marks a PostgreSQL database as a dmfsweep store.
    static let applicationName = "dmfsweep"

    /// Creates the schema in an empty PostgreSQL database, or checks (and, when asked, migrates)
    /// an existing one. Serialised between processes by an advisory lock held for the transaction,
    /// so two coordinators starting on one empty database create it once.
    /// - Parameters:
    ///   - db: the connection.
    ///   - readOnly: only check (an empty database is then not a store).
    ///   - migrate: whether an older store may be migrated in place.
    ///   - location: the store, password masked, for messages.
    /// - Throws: `StoreError.notAStore`, `.schemaVersion`, `.parameterColumns`, `.postgres`.
    /// - Returns: what was upgraded, for the caller to announce (empty when nothing was).
    @discardableResult
    static func prepare(
        postgres db: PostgresConnection, readOnly: Bool, migrate: Bool, location: String
    ) throws(StoreError) -> [String] {
        var notes: [String] = []
        try db.inTransaction { () throws(StoreError) in
            try db.run("SELECT pg_advisory_xact_lock(?)", [.integer(Int(applicationID))])
            guard try hasTable("meta", db) else {
                guard !readOnly else {
                    throw StoreError.missingStore(path: location)
                }
                for sql in creation where sql != tasksStatusIndex { try db.execute(ddl(sql, for: db.dialect)) }
                _ = try tuneTasksForUpdates(db)
                for (key, value) in [
                    ("application", applicationName), ("schema_version", String(version)),
                    ("parameters", ParameterColumns.all.joined(separator: ",")),
                ] {
                    try db.run("INSERT INTO meta (key, value) VALUES (?, ?)", [.text(key), .text(value)])
                }
                return
            }
            let application = try db.scalar("SELECT value FROM meta WHERE key = 'application'")?.stringValue
            guard application == applicationName else {
                throw StoreError.notAStore(
                    path: location, reason: "its meta table belongs to another application (\(application ?? "none"))")
            }
            if !readOnly {
                try addMissingTables(db)
            }
            let found =
                Int(try db.scalar("SELECT value FROM meta WHERE key = 'schema_version'")?.stringValue ?? "") ?? 0
            var steps: [Migration] = []
            if found != version {
                guard migrate, found < version, !readOnly, let path = migrationPath(from: found) else {
                    throw StoreError.schemaVersion(path: location, found: found, expected: version)
                }
                steps = path
                for step in steps { try db.execute(ddl(step.sql, for: db.dialect)) }
                try db.run("UPDATE meta SET value = ? WHERE key = 'schema_version'", [.text(String(version))])
                notes.append("upgraded from schema version \(found) to \(version)")
            }
            // In the same transaction: a migration's backfill reads every task's configuration, so
            // the parameter columns it lacks come first, and a failure leaves the store as it was.
            let stored = try db.rows(
                """
                SELECT column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = 'tasks' AND column_name LIKE 'p\\_%' ESCAPE '\\'
                """
            ).map { $0.string(at: 0) ?? "" }
            let missing = try checkParameterColumns(stored, location: location, canAdd: migrate && !readOnly)
            if !missing.isEmpty {
                try addParameterColumns(missing, db)
                notes.append("added parameter column(s) " + missing.map(\.name).joined(separator: ", "))
            }
            for step in steps { try step.backfill?(db) }
            if !readOnly {
                let dropped = try dropResultForeignKeys(db)
                // An upgrade's note says enough; a current store that had them says what changed.
                if !dropped.isEmpty && steps.isEmpty {
                    notes.append("dropped the foreign keys of " + dropped.joined(separator: ", ") + " to tasks")
                }
                if try tuneTasksForUpdates(db) {
                    notes.append("tasks: dropped the index tasks_status and set fillfactor 50 (HOT updates)")
                }
            }
        }
        return notes
    }

    /// Adds parameter columns a store lacks (it was written before those parameters existed), each
    /// filled with the parameter's default: the value every earlier task ran with (docs/task-keys.md:
    /// a new parameter enters the canonical form only away from its default, so keys stay valid).
    static func addParameterColumns(_ specs: [ParameterSpec], _ db: any DatabaseDriver) throws(StoreError) {
        let defaults = SimulationConfig()
        for spec in specs {
            try db.run(
                ddl(
                    "ALTER TABLE tasks ADD COLUMN \(ParameterColumns.quoted(spec)) \(ParameterColumns.sqlType(spec.kind))",
                    for: db.dialect), [])
            let value = ParameterColumns.databaseValue(defaults.value(of: spec.name) ?? .unset)
            if !value.isNull { try db.run("UPDATE tasks SET \(ParameterColumns.quoted(spec)) = ?", [value]) }
        }
        try db.run(
            "UPDATE meta SET value = ? WHERE key = 'parameters'", [.text(ParameterColumns.all.joined(separator: ","))])
    }

    /// Creates the schema in an empty database, or checks (and, when asked, migrates) an existing one.
    /// - Parameters:
    ///   - connection: a read-write connection (read-only connections only check).
    ///   - migrate: whether an older store may be migrated in place.
    /// - Throws: `StoreError.notAStore`, `.schemaVersion`, `.parameterColumns`, `.sqlite`.
    /// - Returns: what was upgraded (with the backup's path), for the caller to announce.
    @discardableResult
    static func prepare(_ connection: Connection, migrate: Bool) throws(StoreError) -> [String] {
        let path = connection.path
        let version = try connection.scalarInt("PRAGMA user_version") ?? 0
        let application = try connection.scalarInt("PRAGMA application_id") ?? 0
        let tables = try connection.scalarInt("SELECT count(*) FROM sqlite_schema") ?? 0
        if version == 0 && application == 0 && tables == 0 {
            guard connection.mode != .readOnly else {
                throw StoreError.notAStore(path: path, reason: "the file is empty")
            }
            try connection.transaction { () throws(StoreError) in
                for sql in creation { try connection.execute(sql) }
                try connection.cached("INSERT INTO meta (key, value) VALUES (?, ?)")
                    .execute(["parameters", .text(ParameterColumns.all.joined(separator: ","))])
                try connection.execute("PRAGMA application_id = \(applicationID)")
                try connection.execute("PRAGMA user_version = \(Schema.version)")
            }
            return []
        }
        guard application == Int(applicationID) else {
            throw StoreError.notAStore(
                path: path, reason: "it is an SQLite database of another application (application_id \(application))")
        }
        let canWrite = migrate && connection.mode != .readOnly
        if version != Schema.version {
            guard canWrite, version < Schema.version, migrationPath(from: version) != nil else {
                throw StoreError.schemaVersion(path: path, found: version, expected: Schema.version)
            }
        }
        let missing = try checkParameterColumns(storedParameterColumns(connection), location: path, canAdd: canWrite)
        var notes: [String] = []
        if version != Schema.version || !missing.isEmpty {
            // A consistent copy first (VACUUM INTO reads one snapshot, WAL included), so an upgrade
            // that goes wrong, or a build that turns out wrong, can be undone by hand.
            let backup = backupPath(for: path, version: version)
            try connection.execute("VACUUM INTO '\(backup.replacingOccurrences(of: "'", with: "''"))'")
            notes.append("backed up to \(backup)")
            try connection.transaction { () throws(StoreError) in
                let steps = migrationPath(from: version) ?? []
                if !steps.isEmpty {
                    for step in steps { try connection.execute(step.sql) }
                    try connection.execute("PRAGMA user_version = \(Schema.version)")
                    notes.append("upgraded from schema version \(version) to \(Schema.version)")
                }
                if !missing.isEmpty {
                    try addParameterColumns(missing, connection)
                    notes.append("added parameter column(s) " + missing.map(\.name).joined(separator: ", "))
                }
                // After the parameter columns: a backfill reads every task's configuration.
                for step in steps { try step.backfill?(connection) }
            }
        }
        if connection.mode != .readOnly {
            try addMissingTables(connection)
        } else if try !missingAdditions(connection).isEmpty, access(path, W_OK) == 0 {
            // A reader of an older version-1 store upgrades it through a short read-write
            // connection when it may (the read-only connection then sees the new tables). A file
            // it may not write, or a writer holding the lock past the busy timeout, leaves it as
            // it is: the read goes on, and readers treat the tables as missing.
            if let writer = try? Connection(path: path, mode: .readWrite) { try? addMissingTables(writer) }
        }
        return notes
    }

    /// Where an upgrade keeps its backup: next to the store, named after the version it had
    /// (`results.sqlite.v1.bak`; a number is added when that exists).
    static func backupPath(for path: String, version: Int) -> String {
        var candidate = "\(path).v\(version).bak"
        var n = 2
        while FileManager.default.fileExists(atPath: candidate) {
            candidate = "\(path).v\(version).\(n).bak"
            n += 1
        }
        return candidate
    }

    /// The `additions` the store lacks.
    static func missingAdditions(_ db: any DatabaseDriver) throws(StoreError) -> [(table: String, sql: String)] {
        var missing: [(table: String, sql: String)] = []
        for addition in additions where try !hasTable(addition.table, db) { missing.append(addition) }
        return missing
    }

    /// Whether the store has a table of that name.
    static func hasTable(_ name: String, _ db: any DatabaseDriver) throws(StoreError) -> Bool {
        switch db.dialect.engine {
        case .sqlite:
            return try db.scalar("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", [.text(name)]) != nil
        case .postgresql:
            return try db.scalar("SELECT 1 WHERE to_regclass(?) IS NOT NULL", [.text(name)]) != nil
        }
    }

    /// The migrations leading from `version` to the current one, or `nil` when there is no path.
    static func migrationPath(from version: Int) -> [Migration]? {
        var steps: [Migration] = []
        var v = version
        while v < Schema.version {
            guard let step = migrations.first(where: { $0.from == v }) else { return nil }
            steps.append(step)
            v += 1
        }
        return steps
    }

    /// The parameter columns (`p_…`) of an SQLite store's tasks table.
    private static func storedParameterColumns(_ connection: Connection) throws(StoreError) -> [String] {
        try connection.rows("SELECT name FROM pragma_table_info('tasks') WHERE name LIKE 'p\\_%' ESCAPE '\\'", [])
            .map { $0.string(at: 0) ?? "" }
    }

    /// Checks a store's parameter columns against this build's registry. Columns the store lacks
    /// (parameters added since it was written) can be added (`addParameterColumns`); columns this
    /// build does not know (a store of a newer build) cannot.
    /// - Parameters:
    ///   - stored: the store's `p_…` columns.
    ///   - location: the store, for messages.
    ///   - canAdd: whether missing columns may be added (a read-write open that may upgrade).
    /// - Returns: the parameters whose columns are missing (empty unless `canAdd`).
    /// - Throws: `StoreError.parameterColumns` for unknown columns, or missing ones that cannot be added.
    private static func checkParameterColumns(
        _ stored: [String], location: String, canAdd: Bool
    ) throws(StoreError) -> [ParameterSpec] {
        let expected = ParameterColumns.all
        let missing = SimulationConfig.parameters.filter { !stored.contains(ParameterColumns.column($0)) }
        let extra = stored.filter { !expected.contains($0) }.map { String($0.dropFirst(2)) }
        if !extra.isEmpty || (!missing.isEmpty && !canAdd) {
            throw StoreError.parameterColumns(path: location, missing: missing.map(\.name), extra: extra)
        }
        return missing
    }
}
