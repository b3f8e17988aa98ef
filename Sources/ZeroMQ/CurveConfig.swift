import Foundation

/// What a CURVE server (the coordinator) needs: its key pair and the allow-list of client keys.
public struct CurveServerConfig: Sendable, Equatable {
    /// The server's key pair (`coordinator.secret`).
    public var keyPair: CurveKeyPair
    /// Accepted client public keys (Z85) by name: `authorized/worker.pub` → `worker`.
    public var authorizedKeys: [String: String]
    /// The directory it was loaded from, for messages.
    public var keysDirectory: String

    /// A configuration from values (tests, or keys kept elsewhere).
    /// - Parameters:
    ///   - keyPair: the server's key pair.
    ///   - authorizedKeys: accepted Z85 public keys by name.
    ///   - keysDirectory: where they came from, for messages.
    public init(keyPair: CurveKeyPair, authorizedKeys: [String: String], keysDirectory: String = "") {
        self.keyPair = keyPair
        self.authorizedKeys = authorizedKeys
        self.keysDirectory = keysDirectory
    }
}

/// What a CURVE client (a worker) needs: its own key pair and the server's public key.
public struct CurveClientConfig: Sendable, Equatable {
    /// The client's key pair (`NAME.secret`).
    public var keyPair: CurveKeyPair
    /// The server's public key (`coordinator.pub`).
    public var serverPublicKey: String

    /// A configuration from values.
    /// - Parameters:
    ///   - keyPair: the client's key pair.
    ///   - serverPublicKey: the server's Z85 public key.
    public init(keyPair: CurveKeyPair, serverPublicKey: String) {
        self.keyPair = keyPair
        self.serverPublicKey = serverPublicKey
    }
}

/// Loading CURVE configurations from a key directory (`--curve --keys DIR`), by dmfsweep's convention:
///
/// - coordinator: `DIR/coordinator.secret`; accepts only clients whose key is in `DIR/authorized/*.pub`.
/// - worker (`--key-name NAME`, default `worker`): `DIR/coordinator.pub` as server key and
///   `DIR/NAME.secret` as its own key pair.
public enum CurveConfig {
    /// The coordinator's key name.
    public static let coordinatorKeyName = "coordinator"
    /// A worker's default key name.
    public static let defaultClientKeyName = "worker"
    /// The ZAP domain dmfsweep's CURVE servers use.
    public static let zapDomain = "dmfsweep"

    /// Loads the coordinator's configuration from `keysDirectory`.
    /// - Parameter keysDirectory: the key directory.
    /// - Returns: its key pair and allow-list.
    /// - Throws: `CurveKeyError` with the file concerned: missing/invalid `coordinator.secret`, a
    ///   malformed `authorized/*.pub`, or `.noAuthorizedKeys` if the allow-list is empty.
    public static func server(keysDirectory: String) throws(CurveKeyError) -> CurveServerConfig {
        let dir = CurveKeyDirectory(keysDirectory)
        let pair = try dir.readKeyPair(
            coordinatorKeyName,
            hint: "generate it with 'dmfsweep keys generate --keys \(keysDirectory) --name \(coordinatorKeyName)'")
        var keys: [String: String] = [:]
        for (file, key) in try dir.authorizedKeys() { keys[String(file.dropLast(4))] = key }
        guard !keys.isEmpty else { throw .noAuthorizedKeys(directory: dir.authorizedDirectory) }
        return CurveServerConfig(keyPair: pair, authorizedKeys: keys, keysDirectory: keysDirectory)
    }

    /// Loads a worker's configuration from `keysDirectory`.
    /// - Parameters:
    ///   - keysDirectory: the key directory.
    ///   - keyName: the worker's key name (`NAME.secret`).
    /// - Returns: its key pair and the coordinator's public key.
    /// - Throws: `CurveKeyError`: missing/invalid `coordinator.pub` or `NAME.secret`.
    public static func client(keysDirectory: String, keyName: String = defaultClientKeyName) throws(CurveKeyError)
        -> CurveClientConfig
    {
        let dir = CurveKeyDirectory(keysDirectory)
        try CurveKeyDirectory.validate(name: keyName)
        let server = try dir.readPublicKey(
            coordinatorKeyName, hint: "copy the coordinator's \(coordinatorKeyName).pub into \(keysDirectory)")
        let pair = try dir.readKeyPair(
            keyName,
            hint: "generate it with 'dmfsweep keys generate --keys \(keysDirectory) --name \(keyName) --authorize' "
                + "and authorize its .pub on the coordinator")
        return CurveClientConfig(keyPair: pair, serverPublicKey: server)
    }
}

/// `ZMQ_ZAP_ENFORCE_DOMAIN` (93): a DRAFT option in libzmq 4.3's header, accepted by the Debian
/// build. With it, a CURVE server rejects connections when no ZAP handler is running instead of
/// admitting everybody (libzmq's backward-compatible default).
private let zapEnforceDomain: Int32 = 93

extension Socket {
    /// Makes this socket a CURVE server that authenticates through ZAP: sets `ZMQ_CURVE_SERVER`, its
    /// secret key and the ZAP domain, and asks libzmq to reject clients when no ZAP handler runs.
    /// Call before `bind`, after starting a `ZAPAuthenticator` on the same context.
    /// - Parameters:
    ///   - config: the server configuration.
    ///   - domain: the ZAP domain (must match the authenticator's).
    /// - Throws: `ZMQError`.
    public func makeCurveServer(_ config: CurveServerConfig, domain: String = CurveConfig.zapDomain) throws(ZMQError) {
        try setCurveServer(true)
        try setCurveSecretKey(z85: config.keyPair.secretKey)
        try setZAPDomain(domain)
        // Fail closed if the handler is missing; older libzmq without the option: the caller's
        // authenticator is still required by `ZAPAuthenticator`'s documentation.
        try? setOption(zapEnforceDomain, int32: 1, "ZMQ_ZAP_ENFORCE_DOMAIN")
    }

    /// Makes this socket a CURVE client of the server whose public key is in `config`.
    /// Call before `connect`.
    /// - Parameter config: the client's keys and the server's public key.
    /// - Throws: `ZMQError`.
    public func makeCurveClient(_ config: CurveClientConfig) throws(ZMQError) {
        try setCurveServerKey(z85: config.serverPublicKey)
        try setCurvePublicKey(z85: config.keyPair.publicKey)
        try setCurveSecretKey(z85: config.keyPair.secretKey)
    }
}
