import Foundation

/// A coordinator's latest live state for one sweep, as the store keeps it (`cluster_live`).
///
/// The store does not interpret the state: `json` is whatever the runtime encoded (the
/// `LiveState` of the Cluster module: workers, counts, rate, dropped messages).
public struct LiveStateRecord: Sendable, Equatable {
    /// The sweep's name.
    public var sweep: String
    /// When the state was written (Unix seconds).
    public var updated: Double
    /// The state, encoded by the runtime.
    public var json: String

    /// Creates a value from its members (see the properties).
    public init(sweep: String, updated: Double, json: String) {
        self.sweep = sweep
        self.updated = updated
        self.json = json
    }
}

extension SummaryStore {
    /// Writes (replaces) the live state of `sweep`, in its own small transaction.
    /// - Parameters:
    ///   - sweep: the sweep's name.
    ///   - updated: when the state was taken (Unix seconds).
    ///   - json: the state, encoded by the runtime.
    /// - Throws: `StoreError.sqlite` (e.g. a store opened read-only).
    public func publishLiveState(sweep: String, updated: Double, json: String) throws(StoreError) {
        try database.run(
            """
            INSERT INTO cluster_live (sweep, updated, state) VALUES (?, ?, ?)
            ON CONFLICT (sweep) DO UPDATE SET updated = excluded.updated, state = excluded.state
            """, [.text(sweep), .real(updated), .text(json)])
    }

    /// The latest live state of every sweep a coordinator served, by sweep name.
    ///
    /// A store of schema version 1 written before `cluster_live` joined the schema and opened
    /// read-only has no such table yet: it has no live states.
    /// - Returns: empty when no coordinator ever ran on the store.
    /// - Throws: `StoreError`.
    public func liveStates() throws(StoreError) -> [String: LiveStateRecord] {
        guard try Schema.hasTable("cluster_live", database) else { return [:] }
        var out: [String: LiveStateRecord] = [:]
        for row in try database.rows("SELECT sweep, updated, state FROM cluster_live") {
            guard let sweep = row.string(at: 0), let json = row.string(at: 2) else { continue }
            out[sweep] = LiveStateRecord(sweep: sweep, updated: row.double(at: 1) ?? 0, json: json)
        }
        return out
    }
}
