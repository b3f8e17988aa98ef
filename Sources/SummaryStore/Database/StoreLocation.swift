import Foundation

/// The database engines a summary store can live in.
public enum StoreEngine: String, Sendable, CaseIterable {
    /// One SQLite file (the default: embedded, nothing to set up).
    case sqlite
    /// A PostgreSQL database reached through libpq.
    case postgresql
}

/// Where a summary store lives, as given to `--store`: a file path, or a libpq connection URI
/// (`postgresql://user@host:5432/db?sslmode=require`, `postgres://…`).
///
/// A URI is passed to libpq as given, so every libpq parameter (`sslmode=`, `connect_timeout=`,
/// `application_name=` …) works; the password should come from libpq's usual places
/// (`PGPASSWORD`, `PGPASSFILE`, `~/.pgpass`). `description` never shows a password: one written
/// into the URI (`user:secret@`, `password=secret`) is replaced by `***`.
/// See https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-CONNSTRING.
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// An SQLite file.
    case file(path: String)
    /// A PostgreSQL database, by libpq URI.
    case postgres(uri: String)

    /// The URI schemes libpq accepts.
    public static let uriSchemes = ["postgresql://", "postgres://"]

    /// Reads a `--store` argument: a libpq URI when it starts with `postgresql://` or
    /// `postgres://` (any case), else a file path.
    /// - Parameter argument: the argument as given.
    public init(_ argument: String) {
        let lower = argument.lowercased()
        if Self.uriSchemes.contains(where: { lower.hasPrefix($0) }) {
            self = .postgres(uri: argument)
        } else {
            self = .file(path: argument)
        }
    }

    /// The engine holding the store.
    public var engine: StoreEngine {
        switch self {
        case .file: return .sqlite
        case .postgres: return .postgresql
        }
    }

    /// The location for messages: the path, or the URI with any password masked.
    public var description: String {
        switch self {
        case .file(let path): return path
        case .postgres(let uri): return Self.maskingPassword(in: uri)
        }
    }

    /// A libpq URI with the password of its user-info part and any `password=` parameter replaced
    /// by `***` (the rest unchanged, so messages still say which server and database).
    /// - Parameter uri: a `postgresql://` or `postgres://` URI.
    /// - Returns: the URI safe to print or log.
    public static func maskingPassword(in uri: String) -> String {
        guard let schemeEnd = uri.range(of: "://") else { return uri }
        var out = String(uri[..<schemeEnd.upperBound])
        let rest = uri[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                out += userInfo[..<colon] + ":***"
            } else {
                out += userInfo
            }
            out += authority[at...]
        } else {
            out += authority
        }
        var tail = String(rest[authorityEnd...])
        if let question = tail.firstIndex(of: "?") {
            let path = tail[..<question]
            let query = tail[tail.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false)
                .map { pair -> String in
                    let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                    return name.lowercased() == "password" ? "\(name)=***" : String(pair)
                }
            tail = path + "?" + query.joined(separator: "&")
        }
        return out + tail
    }
}
