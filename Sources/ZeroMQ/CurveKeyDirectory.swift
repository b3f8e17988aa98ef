import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A directory of CURVE key files, laid out as dmfsweep expects:
///
/// ```
/// DIR/NAME.pub           the public key: 40 Z85 characters and a newline (mode 0644)
/// DIR/NAME.secret        "public-key: …" and "secret-key: …" lines (mode 0600)
/// DIR/authorized/*.pub   public keys a CURVE server accepts (its allow-list)
/// ```
///
/// The coordinator uses `coordinator.secret` and `authorized/`; a worker uses `coordinator.pub`
/// (the server key) and its own `NAME.secret`. See `CurveConfig`.
public struct CurveKeyDirectory: Sendable, Equatable {
    /// The directory.
    public let path: String

    /// A key directory at `path` (not created until a key is written).
    /// - Parameter path: the directory.
    public init(_ path: String) { self.path = path }

    /// `DIR/NAME.pub`.
    /// - Parameter name: the key name.
    /// - Returns: the path of its public key file.
    public func publicKeyPath(_ name: String) -> String { path + "/" + name + ".pub" }
    /// `DIR/NAME.secret`.
    /// - Parameter name: the key name.
    /// - Returns: the path of its secret key file.
    public func secretKeyPath(_ name: String) -> String { path + "/" + name + ".secret" }
    /// `DIR/authorized`.
    public var authorizedDirectory: String { path + "/authorized" }

    // MARK: Writing

    /// Writes `pair` as `NAME.pub` (0644) and `NAME.secret` (0600), creating the directory (0700).
    /// Each file is written to a temporary name and renamed, so a reader never sees half a key.
    /// - Parameters:
    ///   - pair: the key pair.
    ///   - name: the key name (letters, digits, `.`, `_`, `-`).
    ///   - force: replace existing files.
    /// - Returns: the paths written.
    /// - Throws: `CurveKeyError.exists` without `force`, `.invalidName`, `.io`.
    @discardableResult
    public func write(_ pair: CurveKeyPair, name: String, force: Bool = false) throws(CurveKeyError)
        -> (publicKey: String, secretKey: String)
    {
        try Self.validate(name: name)
        let pub = publicKeyPath(name)
        let sec = secretKeyPath(name)
        if !force {
            for p in [pub, sec] where FileManager.default.fileExists(atPath: p) { throw .exists(path: p) }
        }
        try Self.makeDirectory(path, mode: 0o700)
        try Self.writeAtomically(sec, contents: Self.secretFileContents(pair), mode: 0o600)
        try Self.writeAtomically(pub, contents: pair.publicKey + "\n", mode: 0o644)
        return (pub, sec)
    }

    /// Copies `NAME.pub` into `authorized/`, so a CURVE server using this directory accepts it.
    /// - Parameters:
    ///   - name: the key name.
    ///   - force: replace an authorized copy that exists already.
    /// - Returns: the path of the authorized copy.
    /// - Throws: `CurveKeyError.missingFile`, `.exists` without `force`, `.invalidKeyFile`, `.io`.
    @discardableResult
    public func authorize(name: String, force: Bool = false) throws(CurveKeyError) -> String {
        try Self.validate(name: name)
        let key = try readPublicKey(name)
        let target = authorizedDirectory + "/" + name + ".pub"
        if !force && FileManager.default.fileExists(atPath: target) { throw .exists(path: target) }
        try Self.makeDirectory(authorizedDirectory, mode: 0o700)
        try Self.writeAtomically(target, contents: key + "\n", mode: 0o644)
        return target
    }

    // MARK: Reading

    /// Reads `NAME.pub`.
    /// - Parameters:
    ///   - name: the key name.
    ///   - hint: what the user should do if the file is missing (the error message ends with it).
    /// - Returns: the Z85 public key.
    /// - Throws: `CurveKeyError.missingFile`, `.invalidKeyFile`, `.io`.
    public func readPublicKey(_ name: String, hint: String? = nil) throws(CurveKeyError) -> String {
        let p = publicKeyPath(name)
        return try Self.readPublicKeyFile(p, hint: hint ?? "copy the public key file there")
    }

    /// Reads and checks `NAME.secret` (its public key must match its secret key).
    /// - Parameters:
    ///   - name: the key name.
    ///   - hint: what the user should do if the file is missing (default: how to generate it).
    /// - Returns: the key pair.
    /// - Throws: `CurveKeyError.missingFile`, `.invalidKeyFile`, `.mismatchedKeys`, `.io`.
    public func readKeyPair(_ name: String, hint: String? = nil) throws(CurveKeyError) -> CurveKeyPair {
        let p = secretKeyPath(name)
        let text = try Self.read(
            p, hint: hint ?? "generate it with 'dmfsweep keys generate --keys \(path) --name \(name)'")
        var fields: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw .invalidKeyFile(path: p, reason: "expected 'public-key: KEY' and 'secret-key: KEY' lines")
            }
            let key = String(line[..<colon])
            fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard let secret = fields["secret-key"] else { throw .invalidKeyFile(path: p, reason: "no 'secret-key:' line") }
        guard let pub = fields["public-key"] else { throw .invalidKeyFile(path: p, reason: "no 'public-key:' line") }
        do {
            try Z85.validateKey(secret, what: "secret key")
            try Z85.validateKey(pub, what: "public key")
            return try CurveKeyPair(publicKey: pub, secretKey: secret)
        } catch .mismatchedKeys {
            throw .mismatchedKeys(path: p)
        } catch .invalidKey(_, let reason) {
            throw .invalidKeyFile(path: p, reason: reason)
        } catch {
            throw error
        }
    }

    /// The allow-list: every `authorized/*.pub`, by file name.
    /// - Returns: file name → Z85 public key (possibly empty).
    /// - Throws: `CurveKeyError.invalidKeyFile` for a malformed file (an allow-list is all or nothing),
    ///   `.io` if the directory cannot be listed.
    public func authorizedKeys() throws(CurveKeyError) -> [String: String] {
        let dir = authorizedDirectory
        guard FileManager.default.fileExists(atPath: dir) else { return [:] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: dir)
        } catch {
            throw .io(path: dir, reason: error.localizedDescription)
        }
        var keys: [String: String] = [:]
        for name in names.sorted() where name.hasSuffix(".pub") {
            keys[name] = try Self.readPublicKeyFile(dir + "/" + name, hint: "")
        }
        return keys
    }

    // MARK: Helpers

    /// Reads a public key file: one line of 40 Z85 characters.
    static func readPublicKeyFile(_ path: String, hint: String) throws(CurveKeyError) -> String {
        let text = try read(path, hint: hint)
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard lines.count == 1 else {
            throw .invalidKeyFile(
                path: path, reason: "expected one line with a 40-character Z85 key, found \(lines.count) lines")
        }
        do {
            try Z85.validateKey(lines[0], what: "public key")
        } catch .invalidKey(_, let reason) {
            throw .invalidKeyFile(path: path, reason: reason)
        } catch {
            throw error
        }
        return lines[0]
    }

    static func read(_ path: String, hint: String) throws(CurveKeyError) -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path, hint: hint) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .io(path: path, reason: "not readable (\(String(cString: strerror(errno))))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalidKeyFile(path: path, reason: "not UTF-8 text")
        }
        return text
    }

    static func secretFileContents(_ pair: CurveKeyPair) -> String {
        """
        # dmfsweep CURVE key pair. Keep this file private (mode 0600); share only the .pub file.
        public-key: \(pair.publicKey)
        secret-key: \(pair.secretKey)

        """
    }

    static func validate(name: String) throws(CurveKeyError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name.count <= 100, !name.hasPrefix("."), name.allSatisfy(allowed.contains) else {
            throw .invalidName(name)
        }
    }

    static func makeDirectory(_ path: String, mode: Int) throws(CurveKeyError) {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch {
            throw .io(path: path, reason: error.localizedDescription)
        }
    }

    /// Creates `path + ".tmp-PID"` with `mode` from the start (no window with looser permissions),
    /// writes, fsyncs and renames it over `path`.
    static func writeAtomically(_ path: String, contents: String, mode: mode_t) throws(CurveKeyError) {
        let temp = path + ".tmp-\(getpid())"
        unlink(temp)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw .io(path: path, reason: reason)
        }
        guard rename(temp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw .io(path: path, reason: reason)
        }
    }
}
