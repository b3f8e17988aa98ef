import Foundation
import SummaryStore

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
