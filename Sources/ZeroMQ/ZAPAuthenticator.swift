import Foundation
import Synchronization

/// A ZAP handler (ZeroMQ RFC 27) that admits CURVE clients whose public key is on an allow-list.
///
/// It binds a REP socket to `inproc://zeromq.zap.01` in the given context and answers libzmq's
/// authentication requests on a dedicated thread. Every CURVE server socket of that context with
/// a ZAP domain (see `Socket.makeCurveServer`) then asks it about each new connection; a client
/// with an unknown key fails the handshake and can neither send nor receive anything.
///
/// Start it **before** binding the server socket, keep it alive as long as the server, and
/// `stop()` it before closing the context. Only one can run per context.
///
/// Accepted clients get their key name as ZAP User-Id, readable on received frames with
/// `Message.property("User-Id")`.
public final class ZAPAuthenticator: Sendable {
    /// The inproc endpoint libzmq sends ZAP requests to.
    public static let endpoint = "inproc://zeromq.zap.01"

    /// Decisions taken so far.
    public struct Statistics: Sendable, Equatable {
        /// Connections admitted.
        public var allowed = 0
        /// Connections refused (unknown key, other mechanism, wrong domain, malformed request).
        public var denied = 0
        /// The Z85 public key of the last refused CURVE client, if any.
        public var lastDeniedKey: String?
        /// The address of the last refused client, if any.
        public var lastDeniedAddress: String?
    }

    private let core: Core

    /// Starts the handler.
    /// - Parameters:
    ///   - context: the context of the server sockets to protect.
    ///   - authorizedKeys: accepted Z85 public keys by name (e.g. `CurveServerConfig.authorizedKeys`).
    ///   - domain: accept requests only for this ZAP domain (`nil`: any domain).
    /// - Throws: `ZMQError` (`EADDRINUSE` if a handler already runs in this context).
    public init(context: Context, authorizedKeys: [String: String], domain: String? = CurveConfig.zapDomain)
        throws(ZMQError)
    {
        let core = Core(domain: domain, keys: authorizedKeys)
        self.core = core
        let socket = try Socket(context, type: .rep)
        try socket.bind(Self.endpoint)
        let transfer = SocketTransfer(socket)
        // The thread holds only `core`, so dropping the authenticator still stops it (deinit).
        let thread = Thread {
            defer { core.finished.signal() }
            guard let socket = transfer.take() else { return }  // never: this is the only `take()`
            core.run(socket)
            socket.close()
        }
        thread.name = "dmfsweep-zap"
        thread.start()
    }

    /// Starts a handler for `config`'s allow-list.
    /// - Parameters:
    ///   - context: the context of the server sockets to protect.
    ///   - config: the server configuration whose `authorizedKeys` are accepted.
    ///   - domain: accept requests only for this ZAP domain (`nil`: any domain).
    /// - Throws: `ZMQError`.
    public convenience init(context: Context, config: CurveServerConfig, domain: String? = CurveConfig.zapDomain)
        throws(ZMQError)
    {
        try self.init(context: context, authorizedKeys: config.authorizedKeys, domain: domain)
    }

    /// Replaces the allow-list (e.g. after re-reading the `authorized/` directory); applies to new
    /// connections only.
    /// - Parameter keys: accepted Z85 public keys by name.
    public func setAuthorizedKeys(_ keys: [String: String]) {
        core.state.withLock { $0.keys = Core.invert(keys) }
    }

    /// The decisions taken so far.
    public var statistics: Statistics { core.state.withLock { $0.statistics } }

    /// Stops the handler thread and waits for it (at most ~0.1 s). Calling it twice is harmless.
    public func stop() {
        let first = core.state.withLock { state in
            defer { state.stopped = true }
            return !state.stopped
        }
        if first { core.finished.wait() }
    }

    deinit { stop() }

    /// Builds the reply to one ZAP request (exposed to tests of the decision logic).
    func reply(to request: [Data]) -> [Data] { core.reply(to: request) }
}

/// The handler's shared state and logic, used by the handler thread and the owning object.
private final class Core: Sendable {
    struct State {
        var keys: [String: String] = [:]  // Z85 key → name
        var statistics = ZAPAuthenticator.Statistics()
        var stopped = false
    }

    let state: Mutex<State>
    let domain: String?
    let finished = DispatchSemaphore(value: 0)

    init(domain: String?, keys: [String: String]) {
        self.domain = domain
        state = Mutex(State(keys: Self.invert(keys)))
    }

    static func invert(_ keys: [String: String]) -> [String: String] {
        var out: [String: String] = [:]
        for (name, key) in keys { out[key] = name }
        return out
    }

    func run(_ socket: Socket) {
        let poller = Poller()
        poller.add(socket)
        while !state.withLock({ $0.stopped }) {
            do {
                // A short poll so `stop()` is noticed promptly without a second socket.
                guard try !poller.readable(timeout: 50).isEmpty, let request = try socket.receive(dontWait: true) else {
                    continue
                }
                try socket.send(reply(to: request))
            } catch {
                // ETERM (context shut down) or a closed socket: nothing more to serve.
                return
            }
        }
    }

    /// The ZAP reply to `request`: version, request id, status code, status text, user id, metadata.
    func reply(to request: [Data]) -> [Data] {
        func answer(_ id: Data, _ code: String, _ text: String, user: String = "") -> [Data] {
            [Data("1.0".utf8), id, Data(code.utf8), Data(text.utf8), Data(user.utf8), Data()]
        }
        // ZAP request: version, request id, domain, address, routing id, mechanism, credentials…
        guard request.count >= 6, request[0] == Data("1.0".utf8) else {
            deny(key: nil, address: nil)
            return answer(request.count > 1 ? request[1] : Data(), "500", "malformed ZAP request")
        }
        let id = request[1]
        let requestDomain = String(decoding: request[2], as: UTF8.self)
        let address = String(decoding: request[3], as: UTF8.self)
        let mechanism = String(decoding: request[5], as: UTF8.self)
        if let domain, requestDomain != domain {
            deny(key: nil, address: address)
            return answer(id, "400", "unknown domain")
        }
        guard mechanism == "CURVE", request.count == 7, request[6].count == 32,
            let key = Z85.encode([UInt8](request[6]))
        else {
            deny(key: nil, address: address)
            return answer(id, "400", "CURVE required")
        }
        let name: String? = state.withLock { state in
            let name = state.keys[key]
            if name != nil { state.statistics.allowed += 1 }
            return name
        }
        guard let name else {
            deny(key: key, address: address)
            return answer(id, "400", "key not authorized")
        }
        return answer(id, "200", "OK", user: name)
    }

    private func deny(key: String?, address: String?) {
        state.withLock { state in
            state.statistics.denied += 1
            if let key { state.statistics.lastDeniedKey = key }
            if let address { state.statistics.lastDeniedAddress = address }
        }
    }
}
