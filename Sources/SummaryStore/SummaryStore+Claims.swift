import Foundation

/// Who serves a sweep: the claim a coordinator holds in the store's `coordinators` table.
public struct CoordinatorClaim: Sendable, Equatable {
    /// The sweep's name.
    public var sweep: String
    /// The claimant's identity (unique per coordinator process and start: `host:pid:uuid`).
    public var owner: String
    /// Its host.
    public var host: String
    /// Its process id.
    public var pid: Int
    /// Its latest heartbeat (Unix seconds); the claim lapses `claimExpiry` seconds after it.
    public var heartbeat: Double

    /// Creates a value from its members (see the properties).
    public init(sweep: String, owner: String, host: String, pid: Int, heartbeat: Double) {
        self.sweep = sweep
        self.owner = owner
        self.host = host
        self.pid = pid
        self.heartbeat = heartbeat
    }
}

extension SummaryStore {
    /// Seconds without a heartbeat after which a coordinator's claim lapses and another may take
    /// the sweep (the runtime renews it with every live-state update, every 2 s).
    public static let claimExpiry = 10.0

    /// Claims `sweep` for one coordinator, atomically: of several coordinators claiming at once,
    /// on one machine or many, exactly one gets it. The claim is taken when nobody holds it, when
    /// the holder's heartbeat is older than `claimExpiry`, when `claim.owner` already holds it,
    /// or when `takeOver` says the holder is gone (e.g. a dead process on this host).
    ///
    /// One `INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING` in a write transaction: SQLite
    /// serialises writers on the file, PostgreSQL locks the conflicting row, so no
    /// read-then-act race remains; a take-over is a compare-and-set on the holder's identity.
    /// - Parameters:
    ///   - claim: who claims, with `heartbeat` = now.
    ///   - takeOver: asked about a live holder; `true` takes the sweep from it.
    /// - Returns: `nil` when the claim is ours, else the claim that holds the sweep.
    /// - Throws: `StoreError`.
    public func claimSweep(
        _ claim: CoordinatorClaim, takeOver: (CoordinatorClaim) -> Bool = { _ in false }
    ) throws(StoreError) -> CoordinatorClaim? {
        let values: [DatabaseValue] = [
            .text(claim.sweep), .text(claim.owner), .text(claim.host), .integer(claim.pid), .real(claim.heartbeat),
        ]
        return try database.inTransaction { () throws(StoreError) -> CoordinatorClaim? in
            let won = try database.scalar(
                """
                INSERT INTO coordinators (sweep, owner, host, pid, heartbeat) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (sweep) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid,
                    heartbeat = excluded.heartbeat
                WHERE coordinators.heartbeat < ? OR coordinators.owner = excluded.owner
                RETURNING owner
                """, values + [.real(claim.heartbeat - Self.claimExpiry)])
            if won != nil { return nil }
            guard
                let row = try database.rows(
                    "SELECT owner, host, pid, heartbeat FROM coordinators WHERE sweep = ?", [.text(claim.sweep)]
                ).first
            else { return nil }
            let holder = CoordinatorClaim(
                sweep: claim.sweep, owner: row.string(at: 0) ?? "", host: row.string(at: 1) ?? "",
                pid: row.int(at: 2) ?? 0, heartbeat: row.double(at: 3) ?? 0)
            guard takeOver(holder) else { return holder }
            let taken = try database.run(
                "UPDATE coordinators SET owner = ?, host = ?, pid = ?, heartbeat = ? WHERE sweep = ? AND owner = ?",
                [
                    .text(claim.owner), .text(claim.host), .integer(claim.pid), .real(claim.heartbeat),
                    .text(claim.sweep), .text(holder.owner),
                ])
            return taken == 1 ? nil : holder
        }
    }

    /// Renews a claim's heartbeat.
    /// - Returns: `false` when the claim is no longer ours (it lapsed and another coordinator took it).
    /// - Throws: `StoreError`.
    @discardableResult
    public func renewClaim(sweep: String, owner: String, now: Double) throws(StoreError) -> Bool {
        try database.run(
            "UPDATE coordinators SET heartbeat = ? WHERE sweep = ? AND owner = ?",
            [.real(now), .text(sweep), .text(owner)]) == 1
    }

    /// Gives a claim up (a coordinator that ends); another coordinator may take the sweep at once.
    /// - Throws: `StoreError`.
    public func releaseClaim(sweep: String, owner: String) throws(StoreError) {
        try database.run("DELETE FROM coordinators WHERE sweep = ? AND owner = ?", [.text(sweep), .text(owner)])
    }
}
