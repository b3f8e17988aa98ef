/// A problem with CURVE keys or key files, with the path and what to do about it.
public enum CurveKeyError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A key is not 40 valid Z85 characters.
    case invalidKey(what: String, reason: String)
    /// A key file holds a malformed key.
    case invalidKeyFile(path: String, reason: String)
    /// A key file does not exist.
    case missingFile(path: String, hint: String)
    /// A key file could not be read or written.
    case io(path: String, reason: String)
    /// A secret file's public key does not belong to its secret key.
    case mismatchedKeys(path: String?)
    /// Refusing to replace an existing key file.
    case exists(path: String)
    /// The allow-list directory has no public keys (a CURVE server would admit nobody).
    case noAuthorizedKeys(directory: String)
    /// A key name that cannot be a file name.
    case invalidName(String)

    /// One line naming the key or file and what is wrong with it.
    public var description: String {
        switch self {
        case .invalidKey(let what, let reason):
            return "invalid CURVE \(what): \(reason)"
        case .invalidKeyFile(let path, let reason):
            return "invalid key file \(path): \(reason)"
        case .missingFile(let path, let hint):
            return "missing key file \(path); \(hint)"
        case .io(let path, let reason):
            return "cannot access key file \(path): \(reason)"
        case .mismatchedKeys(let path):
            return "public key does not match secret key" + (path.map { " in \($0)" } ?? "")
        case .exists(let path):
            return "\(path) already exists; use --force to replace it"
        case .noAuthorizedKeys(let directory):
            return "no authorized public keys (*.pub) in \(directory); "
                + "add workers with 'dmfsweep keys generate --keys DIR --name NAME --authorize'"
        case .invalidName(let name):
            return "invalid key name '\(name)': use letters, digits, '.', '_' or '-', not starting with '.'"
        }
    }
}
