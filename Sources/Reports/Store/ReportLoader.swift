import Factorization
import Foundation
import SummaryStore
import Sweeps

/// Reads a summary store into report data: sweeps, their tasks with parameters and results, and
/// run metadata. Read-only; uses the store's public API plus a few read-only queries of its own
/// (task lists per sweep, timing aggregates).
public struct ReportLoader {
    /// The open store.
    public let store: SummaryStore

    /// Opens `path` read-only.
    /// - Parameter path: the store file.
    /// - Throws: `StoreError` (missing file, not a store, another schema version).
    public init(path: String) throws(StoreError) {
        store = try SummaryStore(path: path, readOnly: true)
    }

    /// Uses an already open store.
    /// - Parameter store: the store to read.
    public init(store: SummaryStore) {
        self.store = store
    }

    /// The names of the store's sweeps, oldest first.
    /// - Returns: the names.
    /// - Throws: `StoreError` for SQLite failures.
    public func sweepNames() throws(StoreError) -> [String] { try store.sweeps().map(\.name) }

    /// Which recorded trajectories `sweep(_:trajectories:)` loads.
    public enum Trajectories: Sendable {
        /// None (tables, heatmaps, status and predicted-vs-measured figures need none).
        case none
        /// Only those the report's staircase panels draw (`SweepFigures.staircaseTaskKeys`).
        case forReport
        /// Every task's.
        case all
    }

    /// One sweep with every task: parameters, state, and the result when there is one.
    /// - Parameter trajectories: which recorded steps to load (they dominate time and memory).
    /// - Returns: the sweep's records.
    /// - Throws: `ReportError.unknownSweep`, `StoreError`.
    public func sweep(_ name: String, trajectories: Trajectories = .forReport) throws -> SweepRecords {
        let names = try sweepNames()
        guard names.contains(name) else { throw ReportError.unknownSweep(name: name, available: names) }
        let spec = try store.sweepSpec(name)
        var tasks: [TaskRecord] = []
        for row in try taskRows(sweep: name) {
            let key = TaskKey(hex: row.key)
            guard let stored = try store.task(key) else { continue }
            var record = TaskRecord(key: row.key, config: stored.config, status: stored.state.rawValue)
            if stored.state == .done, let result = try store.result(for: key) {
                record.status = result.status.rawValue
                record.finalLoss = result.finalLoss.isFinite ? result.finalLoss : nil
                record.finalErank = result.finalErank.isFinite ? result.finalErank : nil
                record.steps = result.steps
                record.seconds = result.seconds
                record.bestStep = result.bestStep
                record.bestCleanError = result.bestCleanError
                record.intervals = Self.intervals(result)
                record.monotonicity = try store.rankMonotonicity(for: key)
                if trajectories == .all { record.trajectory = result.trajectory }
            }
            tasks.append(record)
        }
        if trajectories == .forReport {
            // A second pass for the few tasks whose curves are drawn keeps memory bounded by the
            // figures, not by the size of the sweep.
            let wanted = SweepFigures.staircaseTaskKeys(SweepRecords(name: name, tasks: tasks))
            for i in tasks.indices where wanted.contains(tasks[i].key) {
                tasks[i].trajectory = try store.result(for: TaskKey(hex: tasks[i].key))?.trajectory ?? []
            }
        }
        var records = SweepRecords(name: name, specText: spec, tasks: tasks)
        records.runFacts = try runFacts(sweep: name)
        // A `description:` in the sweep file wins over the `# Question:` comment.
        if let text = (try? SweepFile.parse(text: spec, fileName: name))?.description, !text.isEmpty {
            records.description = text
        }
        return records
    }

    /// Measured and predicted intervals of a result, joined by rank.
    static func intervals(_ r: SimulationResult) -> [IntervalRecord] {
        let ranks = Set(r.intervals.map(\.rank)).union(r.predicted.map(\.rank)).sorted()
        return ranks.map { rank in
            let m = r.intervals.first { $0.rank == rank }
            let p = r.predicted.first { $0.rank == rank }
            let target = m?.target ?? (rank <= r.targets.count ? r.targets[rank - 1] : .nan)
            return IntervalRecord(
                rank: rank, target: target, start: m?.start, end: m?.end, length: m?.length ?? 0,
                predictedStart: p?.start, predictedEnd: p?.end)
        }
    }

    struct TaskRow {
        var key: String
    }

    /// The keys of a sweep's tasks in expansion order (read-only query on the store's tables).
    func taskRows(sweep: String) throws(StoreError) -> [TaskRow] {
        let stmt = try store.connection.prepare(
            """
            SELECT t.key FROM sweeps s JOIN sweep_tasks st ON st.sweep_id = s.id JOIN tasks t ON t.id = st.task_id
            WHERE s.name = ? ORDER BY st.position
            """)
        try stmt.bind([.text(sweep)])
        var rows: [TaskRow] = []
        while try stmt.step() { rows.append(TaskRow(key: stmt.string(at: 0) ?? "")) }
        return rows
    }

    /// How one sweep ran: wall clock from its first start to its last finish, distinct workers,
    /// and when it was registered (read-only query on the store's tables).
    func runFacts(sweep: String) throws(StoreError) -> [KeyValue] {
        let stmt = try store.connection.prepare(
            """
            SELECT min(t.started), max(t.finished), count(DISTINCT t.worker), s.created
            FROM sweeps s JOIN sweep_tasks st ON st.sweep_id = s.id JOIN tasks t ON t.id = st.task_id
            WHERE s.name = ?
            """)
        try stmt.bind([.text(sweep)])
        guard try stmt.step() else { return [] }
        var out: [KeyValue] = []
        if let a = stmt.double(at: 0), let b = stmt.double(at: 1), b >= a {
            out.append(KeyValue("wall clock", ReportBuilder.formatDuration(b - a)))
        }
        if let workers = stmt.int(at: 2), workers > 1 { out.append(KeyValue("workers", "\(workers)")) }
        if let created = stmt.double(at: 3) {
            out.append(KeyValue("registered", HTMLReport.timestamp(Date(timeIntervalSince1970: created))))
        }
        return out
    }

    /// Timing facts over the whole store: tasks, results, compute seconds, wall-clock span, workers.
    /// - Returns: labelled facts for the report's metadata table.
    /// - Throws: `StoreError` for SQLite failures.
    public func timing() throws(StoreError) -> [KeyValue] {
        let c = store.connection
        var out: [KeyValue] = []
        let tasks = try c.scalarInt("SELECT count(*) FROM tasks") ?? 0
        let results = try c.scalarInt("SELECT count(*) FROM results") ?? 0
        out.append(KeyValue("tasks", "\(tasks) (\(results) with results)"))
        let stmt = try c.prepare("SELECT sum(seconds), min(seconds), max(seconds) FROM results")
        if try stmt.step(), let total = stmt.double(at: 0) {
            out.append(KeyValue("total compute", ReportBuilder.formatDuration(total)))
            if let lo = stmt.double(at: 1), let hi = stmt.double(at: 2) {
                out.append(
                    KeyValue("per task", "\(ReportBuilder.formatDuration(lo)) – \(ReportBuilder.formatDuration(hi))"))
            }
        }
        let span = try c.prepare("SELECT min(started), max(finished) FROM tasks WHERE finished IS NOT NULL")
        if try span.step(), let a = span.double(at: 0), let b = span.double(at: 1), b >= a {
            out.append(KeyValue("wall clock", ReportBuilder.formatDuration(b - a)))
        }
        let workers = try c.scalarInt("SELECT count(DISTINCT worker) FROM tasks WHERE worker IS NOT NULL") ?? 0
        if workers > 0 { out.append(KeyValue("workers", "\(workers)")) }
        let paths = try c.prepare("SELECT path, count(*) FROM results GROUP BY path ORDER BY path")
        var used: [String] = []
        while try paths.step() { used.append("\(paths.string(at: 0) ?? "?") \(paths.int(at: 1) ?? 0)") }
        if !used.isEmpty { out.append(KeyValue("solver paths", used.joined(separator: ", "))) }
        return out
    }

    /// The whole report: every sweep (or the named ones), with environment and store metadata.
    /// - Parameters:
    ///   - version: the dmfsweep version, recorded in the metadata.
    ///   - sweeps: restrict to these sweeps (`nil`: all).
    ///   - title: the page title.
    /// - Returns: everything `HTMLReport.render` needs.
    /// - Throws: `ReportError.unknownSweep`, `StoreError`.
    public func report(version: String, sweeps: [String]? = nil, title: String = "dmfsweep report") throws -> ReportData
    {
        let names = try sweeps ?? sweepNames()
        let records = try names.map { try sweep($0) }
        var entries = RunMetadata.environment(version: version)
        entries.append(KeyValue("store", store.path))
        entries.append(KeyValue("schema version", "\(SummaryStore.schemaVersion)"))
        entries += try timing()
        return ReportBuilder.report(records, metadata: RunMetadata(generated: Date(), entries: entries), title: title)
    }
}
