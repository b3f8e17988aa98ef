import CSQLite

/// Everything that can go wrong opening or writing a summary store.
///
/// Each case carries what a user needs to act on it; `description` is one line.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An SQLite call failed: the result code, what we were doing, and `sqlite3_errmsg`.
    case sqlite(code: Int32, operation: String, message: String)
    /// A PostgreSQL call failed: the SQLSTATE (`23505`), what we were doing, and the server's message.
    case postgres(sqlState: String, operation: String, message: String)
    /// The PostgreSQL server cannot be reached or refused the login (`store` has its password masked).
    case unreachable(store: String, message: String)
    /// The store file does not exist (and we were not asked to create it).
    case missingStore(path: String)
    /// The file exists but is not a dmfsweep summary store (or the path is a directory).
    case notAStore(path: String, reason: String)
    /// The store's directory does not exist (SQLite would report only "unable to open").
    case missingDirectory(path: String, directory: String)
    /// The store was written with another schema version; never migrated silently.
    case schemaVersion(path: String, found: Int, expected: Int)
    /// The store's parameter columns differ from this build's parameter registry.
    case parameterColumns(path: String, missing: [String], extra: [String])
    /// The store was written by an earlier dmfsweep (`outdated` says how) and must be upgraded
    /// before this build reads it, but cannot be written here (`reason`).
    case upgradeRequired(store: String, outdated: String, reason: String)
    /// Registering a sweep file would drop tasks from the existing sweep of that name.
    case sweepChanged(name: String, dropped: Int, total: Int)
    /// A sweep name that is not in the store.
    case unknownSweep(name: String, suggestion: String?)
    /// A stored value could not be turned back into a Swift value.
    case corruptValue(table: String, column: String, detail: String)

    /// The SQLite primary result code for `.sqlite`, else `nil`.
    public var sqliteCode: Int32? {
        if case .sqlite(let code, _, _) = self { return code & 0xff }
        return nil
    }

    /// Whether the store could not be written for a reason outside it: the disk is full
    /// (`SQLITE_FULL`), an I/O error (`SQLITE_IOERR`), a read-only file or directory
    /// (`SQLITE_READONLY`, `SQLITE_CANTOPEN`) (https://sqlite.org/rescode.html). What was
    /// committed before stays; the same run resumes once the cause is fixed.
    ///
    /// PostgreSQL's equivalents (https://www.postgresql.org/docs/current/errcodes-appendix.html):
    /// `disk_full` (53100), `io_error` (58030), a read-only transaction (25006, e.g. a hot
    /// standby), and a connection lost mid-run (class 08). A server unreachable when the store is
    /// opened (`.unreachable`) is not: nothing was being written.
    public var isWriteFailure: Bool {
        switch self {
        case .sqlite(let code, _, _):
            return [SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, SQLITE_CANTOPEN].contains(code & 0xFF)
        case .postgres(let state, _, _):
            return ["53100", "58030", "25006"].contains(state) || state.hasPrefix("08")
        default:
            return false
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let code, let operation, let message):
            return "SQLite error \(code) (\(Self.codeName(code))) while \(operation): \(message)"
        case .postgres(let state, let operation, let message):
            return "PostgreSQL error \(state.isEmpty ? "(no SQLSTATE)" : state) while \(operation): \(message)"
        case .unreachable(let store, let message):
            return "cannot connect to the summary store \(store): \(message)"
        case .missingStore(let path):
            return "no summary store at '\(path)' (create one with 'dmfsweep run SWEEP.yaml --inline --store \(path)')"
        case .notAStore(let path, let reason):
            return "'\(path)' is not a dmfsweep summary store: \(reason)"
        case .missingDirectory(let path, let directory):
            return "cannot use '\(path)' as a summary store: directory '\(directory)' does not exist"
        case .schemaVersion(let path, let found, let expected):
            let hint =
                found > expected
                ? "it was written by a newer dmfsweep; use that version"
                : Schema.migrationPath(from: found) != nil && found >= 1
                    ? "it was written by an older dmfsweep; 'dmfsweep store upgrade --store \(path)' "
                        + "upgrades it in place (columns are only added)"
                    : "it was written by an older dmfsweep; no migration from version \(found) exists"
            return "store '\(path)' has schema version \(found), this dmfsweep reads version \(expected): \(hint)"
        case .parameterColumns(let path, let missing, let extra):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing parameter columns " + missing.joined(separator: ", ")) }
            if !extra.isEmpty { parts.append("unknown parameter columns " + extra.joined(separator: ", ")) }
            return "store '\(path)' was written with another parameter set (\(parts.joined(separator: "; ")))"
                + (extra.isEmpty ? "; 'dmfsweep store upgrade --store \(path)' adds the missing columns" : "")
        case .upgradeRequired(let store, let outdated, let reason):
            return "store '\(store)' was written by an older dmfsweep (\(outdated)) and cannot be upgraded here "
                + "(\(reason)); upgrade it once with 'dmfsweep store upgrade --store \(store)' where it may be written"
        case .sweepChanged(let name, let dropped, let total):
            return "sweep '\(name)' is already in the store with \(dropped) task(s) this sweep file does not have "
                + "(it has \(total)); is it another sweep under the same name? Rename it, or pass --replace-sweep "
                + "to make this file the sweep's definition (the dropped tasks' results stay in the store)"
        case .unknownSweep(let name, let suggestion):
            return "no sweep named '\(name)' in the store"
                + (suggestion.map { " (did you mean '\($0)'?)" } ?? "") + "; list them with 'dmfsweep sweeps'"
        case .corruptValue(let table, let column, let detail):
            return "corrupt value in \(table).\(column): \(detail)"
        }
    }

    /// The symbolic name of an SQLite primary result code (`SQLITE_BUSY`), from `sqlite3_errstr`.
    static func codeName(_ code: Int32) -> String {
        String(cString: sqlite3_errstr(code))
    }
}

/// Turns an SQLite result code into `StoreError.sqlite` unless it is one of `accepted`.
/// - Parameters:
///   - code: the value an `sqlite3_*` call returned.
///   - operation: what we were doing, for the message ("preparing SELECT …").
///   - db: the connection whose `sqlite3_errmsg` explains the failure (may be `nil`).
///   - accepted: codes that are not errors besides `SQLITE_OK`.
/// - Returns: `code`, when accepted.
@discardableResult
func check(
    _ code: Int32, _ operation: @autoclosure () -> String, db: OpaquePointer?, accepted: [Int32] = []
) throws(StoreError) -> Int32 {
    // `SQLITE_OK` first, with no collection built: this runs for every bound value.
    if code == SQLITE_OK || accepted.contains(code) { return code }
    let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
    throw StoreError.sqlite(code: code, operation: operation(), message: message)
}
