import Foundation
import SummaryStore

/// The coordinator's `LiveState` in the summary store: JSON in the store's `cluster_live` table
/// (one row per sweep), written and read through `SummaryStore.publishLiveState` and
/// `SummaryStore.liveStates`. This type only encodes and decodes; the SQL is the store's.
public enum LiveStateTable {
    /// Writes `state` as the live state of `sweep`.
    /// - Throws: `StoreError` for SQLite failures, `EncodingError` (cannot happen for finite values).
    static func write(_ state: LiveState, sweep: String, to store: SummaryStore) throws {
        let json = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try store.publishLiveState(sweep: sweep, updated: state.updatedAt, json: json)
    }

    /// The endpoint an inline run writes in its live state.
    public static let inlineEndpoint = "inline"

    /// Records where a run of `sweep` in this process (`run --inline`, which has no coordinator)
    /// stands: its host and pid while it runs (so `status` can tell a killed run), and how it
    /// ended, with the reason if it failed. Best effort: when the store itself is the cause (a
    /// full disk), nothing may be written.
    /// - Parameters:
    ///   - phase: running at the start, then how it ended.
    ///   - failure: one line (the store error) for `.failed`.
    ///   - sweep: the sweep's name.
    ///   - startedAt: when the run started (Unix seconds).
    ///   - store: the summary store.
    public static func recordInlineRun(
        _ phase: CoordinatorPhase, failure: String? = nil, sweep: String, startedAt: Double, to store: SummaryStore
    ) {
        let state = LiveState(
            updatedAt: Date().timeIntervalSince1970, startedAt: startedAt, endpoint: inlineEndpoint,
            pid: Int(ProcessInfo.processInfo.processIdentifier), host: ProcessInfo.processInfo.hostName, phase: phase,
            failure: failure, scheduler: SchedulerSnapshot(), doneBefore: 0, rate: 0, eta: nil, badMessages: [:])
        try? write(state, sweep: sweep, to: store)
    }

    /// The live states in a store, by sweep (empty when no coordinator ever ran on it).
    /// - Parameter store: the summary store.
    /// - Returns: the latest state per sweep name.
    /// - Throws: `StoreError` for SQLite failures, `DecodingError` for a corrupt row.
    public static func read(from store: SummaryStore) throws -> [String: LiveState] {
        try decode(store.liveStates())
    }

    private static func decode(_ records: [String: LiveStateRecord]) throws -> [String: LiveState] {
        try records.mapValues { try JSONDecoder().decode(LiveState.self, from: Data($0.json.utf8)) }
    }
}
