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
