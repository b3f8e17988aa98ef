import Foundation
import SummaryStore

/// The live state the coordinator publishes for `dmfsweep status`.
public struct LiveState: Sendable, Hashable, Codable {
    /// When it was written (seconds since 1970).
    public var updatedAt: Double
    /// When the coordinator started (seconds since 1970).
    public var startedAt: Double
    /// The coordinator's endpoint.
    public var endpoint: String
    /// The coordinator's process id.
    public var pid: Int
    /// The coordinator's host name.
    public var host: String
    /// `running`, `stopping`, `finished`, `interrupted`.
    public var phase: String
    /// Scheduler counters and connected workers.
    public var scheduler: SchedulerSnapshot
    /// Tasks that were already done in the store when this coordinator started.
    public var doneBefore: Int
    /// Results per second over the last few seconds.
    public var rate: Double
    /// Seconds to go at that rate, if known.
    public var eta: Double?
    /// Dropped malformed messages by reason (`truncated`, `version`, …).
    public var badMessages: [String: Int]

    /// Dropped malformed messages, all reasons together.
    public var badMessageTotal: Int { badMessages.values.reduce(0, +) }
}

/// The `cluster_live` table: one row per sweep with the coordinator's latest `LiveState` as JSON.
public enum LiveStateTable {
    static let createSQL = """
        CREATE TABLE IF NOT EXISTS cluster_live (
            sweep   TEXT PRIMARY KEY,
            updated REAL NOT NULL,
            state   TEXT NOT NULL
        )
        """

    static func create(in connection: Connection) throws {
        try connection.execute(createSQL)
    }

    static func write(_ state: LiveState, sweep: String, to connection: Connection) throws {
        let json = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try connection.cached("INSERT OR REPLACE INTO cluster_live (sweep, updated, state) VALUES (?, ?, ?)")
            .execute([.text(sweep), .real(state.updatedAt), .text(json)])
    }

    /// The live states in a store, by sweep (empty when no coordinator ever ran on it).
    /// - Parameter connection: the store's connection.
    /// - Returns: the latest state per sweep name.
    /// - Throws: `StoreError` for SQLite failures, `DecodingError` for a corrupt row.
    public static func read(from connection: Connection) throws -> [String: LiveState] {
        let exists =
            try connection.scalarInt(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'cluster_live'") ?? 0
        guard exists > 0 else { return [:] }
        let stmt = try connection.prepare("SELECT sweep, state FROM cluster_live")
        var out: [String: LiveState] = [:]
        while try stmt.step() {
            guard let sweep = stmt.string(at: 0), let json = stmt.string(at: 1) else { continue }
            out[sweep] = try JSONDecoder().decode(LiveState.self, from: Data(json.utf8))
        }
        return out
    }
}
