import Factorization
import Foundation
import SummaryStore
import Sweeps

/// Reads a summary store into report data: sweeps, their tasks with parameters and results, and
/// run metadata. Read-only, through the store's API only (one query per table for a sweep's
/// tasks, results and intervals; no SQL here).
public struct ReportLoader {
    /// The open store.
    public let store: SummaryStore

    /// Opens a store read-only, upgrading one written by an earlier dmfsweep first when it may
    /// (`SummaryStore.openForReading`; `store.upgrades` says what changed).
    /// - Parameter path: the store: a file path or a libpq URI (`StoreLocation`).
    /// - Throws: `StoreError` (missing file, not a store, a newer schema version, an old store that
    ///   cannot be upgraded here, unreachable server).
    public init(path: String) throws(StoreError) {
        store = try SummaryStore.openForReading(StoreLocation(path))
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
    /// - Parameters:
    ///   - trajectories: which recorded steps to load (they dominate time and memory).
    ///   - measure: the effective rank whose targets and intervals the records carry.
    /// - Returns: the sweep's records.
    /// - Throws: `ReportError.unknownSweep`, `StoreError`.
    public func sweep(
        _ name: String, trajectories: Trajectories = .forReport, measure: EffectiveRankMeasure = .entropy
    ) throws -> SweepRecords {
        let names = try sweepNames()
        guard names.contains(name) else { throw ReportError.unknownSweep(name: name, available: names) }
        let spec = try store.sweepSpec(name)
        var tasks: [TaskRecord] = []
        let monotonicity = try store.rankMonotonicity(sweep: name)
        for item in try store.sweepContents(name, trajectories: trajectories == .all) {
            let stored = item.task
            var record = TaskRecord(key: stored.key.hex, config: stored.config, status: stored.state.rawValue)
            if let result = item.result {
                record.status = result.status.rawValue
                record.finalLoss = result.finalLoss.isFinite ? result.finalLoss : nil
                record.finalErank = result.finalErank.isFinite ? result.finalErank : nil
                record.steps = result.steps
                record.seconds = result.seconds
                record.bestStep = result.bestStep
                record.bestCleanError = result.bestCleanError
                record.finalError = result.finalError
                record.finalUnobservedError = result.finalUnobservedError
                record.finalCleanError = result.finalCleanError
                record.bestRecoveryError = result.bestRecoveryError
                record.bestRecoveryStep = result.bestRecoveryStep
                record.intervals = Self.intervals(result, measure: measure)
                record.monotonicity = monotonicity[stored.key.hex] ?? [:]
                record.trajectory = result.trajectory
            }
            tasks.append(record)
        }
        if trajectories == .forReport {
            // Only the few tasks whose curves are drawn: memory bounded by the figures, not by the
            // size of the sweep.
            let bare = SweepRecords(name: name, tasks: tasks)
            let wanted = SweepFigures.staircaseTaskKeys(bare).union(SweepFigures.recoveryTaskKeys(bare))
            let curves = try store.trajectories(for: wanted.map { TaskKey(hex: $0) })
            for i in tasks.indices where wanted.contains(tasks[i].key) {
                tasks[i].trajectory = curves[TaskKey(hex: tasks[i].key)] ?? []
            }
        }
        var records = SweepRecords(name: name, specText: spec, tasks: tasks)
        records.measure = measure
        records.runFacts = try runFacts(sweep: name)
        // A `description:` in the sweep file wins over the `# Question:` comment.
        if let text = (try? SweepFile.parse(text: spec, fileName: name))?.description, !text.isEmpty {
            records.description = text
        }
        return records
    }

    /// Measured and predicted intervals of a result under one measure, joined by rank (none when
    /// the store could not recompute that measure's).
    static func intervals(_ result: SimulationResult, measure: EffectiveRankMeasure = .entropy) -> [IntervalRecord] {
        guard let r = result[measure] else { return [] }
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

    /// How one sweep ran: wall clock from its first start to its last finish, distinct workers,
    /// and when it was registered.
    func runFacts(sweep: String) throws(StoreError) -> [KeyValue] {
        let facts = try store.runFacts(sweep: sweep)
        var out: [KeyValue] = []
        if let a = facts.firstStart, let b = facts.lastFinish, b >= a {
            out.append(KeyValue("wall clock", ReportBuilder.formatDuration(b - a)))
        }
        if facts.workers > 1 { out.append(KeyValue("workers", "\(facts.workers)")) }
        out.append(KeyValue("registered", HTMLReport.timestamp(Date(timeIntervalSince1970: facts.registered))))
        return out
    }

    /// Timing facts over the whole store: tasks, results, compute seconds, wall-clock span, workers.
    /// - Returns: labelled facts for the report's metadata table.
    /// - Throws: `StoreError` for SQLite failures.
    public func timing() throws(StoreError) -> [KeyValue] {
        let timing = try store.timing()
        var out: [KeyValue] = []
        out.append(KeyValue("tasks", "\(timing.tasks) (\(timing.results) with results)"))
        if let seconds = timing.computeSeconds {
            out.append(KeyValue("total compute", ReportBuilder.formatDuration(seconds.total)))
            out.append(
                KeyValue(
                    "per task",
                    "\(ReportBuilder.formatDuration(seconds.min)) – \(ReportBuilder.formatDuration(seconds.max))"))
        }
        if let span = timing.span, span.end >= span.start {
            out.append(KeyValue("wall clock", ReportBuilder.formatDuration(span.end - span.start)))
        }
        if timing.workers > 0 { out.append(KeyValue("workers", "\(timing.workers)")) }
        let used = timing.paths.map { "\($0.path) \($0.count)" }
        if !used.isEmpty { out.append(KeyValue("solver paths", used.joined(separator: ", "))) }
        return out
    }

    /// The whole report: every sweep (or the named ones), with environment and store metadata.
    /// - Parameters:
    ///   - version: the dmfsweep version, recorded in the metadata.
    ///   - sweeps: restrict to these sweeps (`nil`: all).
    ///   - title: the page title.
    ///   - measure: the effective rank of the intervals, targets and staircases.
    /// - Returns: everything `HTMLReport.render` needs.
    /// - Throws: `ReportError.unknownSweep`, `StoreError`.
    public func report(
        version: String, sweeps: [String]? = nil, title: String = "dmfsweep report",
        measure: EffectiveRankMeasure = .entropy
    ) throws -> ReportData {
        let names = try sweeps ?? sweepNames()
        let records = try names.map { try sweep($0, measure: measure) }
        var entries = RunMetadata.environment(version: version)
        entries.append(KeyValue("store", store.path))
        entries.append(KeyValue("schema version", "\(SummaryStore.schemaVersion)"))
        // The measure's name and its definition (README, Definitions), not its axis label again.
        let definition = measure == .entropy ? "Roy–Vetterli, exp of the singular-value entropy" : "‖W‖*/‖W‖op"
        entries.append(KeyValue("effective rank", "\(measure.rawValue) (\(definition))"))
        entries += try timing()
        return ReportBuilder.report(records, metadata: RunMetadata(generated: Date(), entries: entries), title: title)
    }
}
