import CSQLite
import Foundation

extension SummaryStore {
    /// Opens a store to read it, upgrading it first when it was written by an earlier dmfsweep
    /// (an older schema version, or parameter columns added since) and this process may write it.
    ///
    /// The upgrade is the one `dmfsweep store upgrade` and every writer run
    /// (`SummaryStore(location:migrate:)`: an SQLite file is first copied to `FILE.vN.bak`); what
    /// it did is in `upgrades`, for the caller to announce. A store that needs no upgrade is never
    /// opened for writing. A store that needs one and cannot be written here (a read-only file or
    /// directory, a PostgreSQL role without the rights to alter its tables, a read-only
    /// transaction) is refused with `StoreError.upgradeRequired`, naming `dmfsweep store upgrade`.
    /// - Parameter location: the file or database.
    /// - Returns: the store, opened read-only.
    /// - Throws: `StoreError.upgradeRequired`, or what `init(location:readOnly:)` throws
    ///   (`.missingStore`, `.notAStore`, `.schemaVersion` for a store of a newer build, …).
    public static func openForReading(_ location: StoreLocation) throws(StoreError) -> SummaryStore {
        let outdated: String
        do {
            return try SummaryStore(location: location, readOnly: true)
        } catch .schemaVersion(_, let found, let expected)
            where found < expected && Schema.migrationPath(from: found) != nil
        {
            outdated = "schema version \(found), this dmfsweep reads version \(expected)"
        } catch .parameterColumns(_, let missing, let extra) where extra.isEmpty && !missing.isEmpty {
            outdated = "no column for the parameter(s) " + missing.joined(separator: ", ")
        } catch let error where error.deniesWriting {
            // A WAL store on a read-only medium without its -shm file cannot be read at all; if
            // its header says it is an older store, upgrading it is the first thing it needs.
            // (Not when a -wal file holds commits the header does not show yet.)
            guard case .file(let path) = location,
                (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0 == 0,
                let found = fileHeaderVersion(path), found < Schema.version
            else {
                throw error
            }
            throw StoreError.upgradeRequired(
                store: location.description,
                outdated: "schema version \(found), this dmfsweep reads version \(Schema.version)",
                reason: error.description)
        }
        let notes = try upgrade(location, outdated: outdated)
        let store = try SummaryStore(location: location, readOnly: true)
        store.upgrades = notes
        return store
    }

    /// The schema version in an SQLite dmfsweep store's file header (`user_version`, bytes 60–63,
    /// big-endian; `application_id` at 68–71: https://sqlite.org/fileformat.html#the_database_header),
    /// read without SQLite; `nil` when the file is not a dmfsweep store or cannot be read.
    static func fileHeaderVersion(_ path: String) -> Int? {
        guard let handle = FileHandle(forReadingAtPath: path),
            let header = try? handle.read(upToCount: 72), header.count == 72
        else { return nil }
        try? handle.close()
        func int32(_ offset: Int) -> Int {
            header[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        }
        guard header.starts(with: Array("SQLite format 3\0".utf8)), int32(68) == Int(Schema.applicationID) else {
            return nil
        }
        return int32(60)
    }

    /// Upgrades an outdated store through a short read-write open (the same path as `store upgrade`).
    /// - Returns: what was upgraded, one note each.
    /// - Throws: `StoreError.upgradeRequired` when the store cannot be written here.
    private static func upgrade(_ location: StoreLocation, outdated: String) throws(StoreError) -> [String] {
        func refused(_ reason: String) -> StoreError {
            .upgradeRequired(store: location.description, outdated: outdated, reason: reason)
        }
        if case .file(let path) = location {
            // Checked before anything is written: the backup goes next to the store, and a file
            // SQLite opened "read-write" on a read-only medium would fail only at the first write.
            let directory = (path as NSString).deletingLastPathComponent
            for target in [path, directory.isEmpty ? "." : directory] where access(target, W_OK) != 0 {
                throw refused("cannot write '\(target)': \(String(cString: strerror(errno)))")
            }
        }
        do {
            return try SummaryStore(location: location, migrate: true).upgrades
        } catch let error where error.deniesWriting {
            throw refused(error.description)
        }
    }
}

extension StoreError {
    /// Whether the store may not be written by this process: SQLite's read-only file, permission
    /// and cannot-open codes (https://sqlite.org/rescode.html); PostgreSQL's
    /// `insufficient_privilege` (42501: a role that may not alter the tables) and
    /// `read_only_sql_transaction` (25006: a standby, or `default_transaction_read_only`).
    var deniesWriting: Bool {
        switch self {
        case .sqlite(let code, _, _):
            return [SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_AUTH].contains(code & 0xFF)
        case .postgres(let state, _, _):
            return state == "42501" || state == "25006"
        default:
            return false
        }
    }
}
