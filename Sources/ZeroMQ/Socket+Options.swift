import CZeroMQ
import Foundation

// Socket options (zmq_setsockopt(3), zmq_getsockopt(3)). Times are in milliseconds, as in libzmq;
// -1 means "infinite"/"off" where libzmq says so. Options that affect connections (hwm,
// maxMessageSize, heartbeats, CURVE, zapDomain, routingId) must be set before bind/connect.
extension Socket {
    // MARK: Raw access

    func setOption(_ option: Int32, int32 value: Int32, _ name: String) throws(ZMQError) {
        let h = try live("zmq_setsockopt(\(name))")
        var v = value
        _ = try zmqRequire("zmq_setsockopt(\(name), \(value))") {
            zmq_setsockopt(h, option, &v, MemoryLayout<Int32>.size)
        }
    }

    func setOption(_ option: Int32, int64 value: Int64, _ name: String) throws(ZMQError) {
        let h = try live("zmq_setsockopt(\(name))")
        var v = value
        _ = try zmqRequire("zmq_setsockopt(\(name), \(value))") {
            zmq_setsockopt(h, option, &v, MemoryLayout<Int64>.size)
        }
    }

    func setOption<Bytes: ContiguousBytes>(_ option: Int32, bytes: Bytes, _ name: String) throws(ZMQError) {
        let h = try live("zmq_setsockopt(\(name))")
        let result = bytes.withUnsafeBytes { b in
            Result { () throws(ZMQError) in
                try zmqRequire("zmq_setsockopt(\(name))") { zmq_setsockopt(h, option, b.baseAddress, b.count) }
            }
        }
        _ = try result.get()
    }

    /// Sets a string option including its terminating NUL (what libzmq expects for Z85 keys).
    func setOption(_ option: Int32, cString: String, _ name: String) throws(ZMQError) {
        try setOption(option, bytes: Array(cString.utf8) + [0], name)
    }

    func int32Option(_ option: Int32, _ name: String) throws(ZMQError) -> Int32 {
        let h = try live("zmq_getsockopt(\(name))")
        var v: Int32 = 0
        var size = MemoryLayout<Int32>.size
        _ = try zmqRequire("zmq_getsockopt(\(name))") { zmq_getsockopt(h, option, &v, &size) }
        return v
    }

    func int64Option(_ option: Int32, _ name: String) throws(ZMQError) -> Int64 {
        let h = try live("zmq_getsockopt(\(name))")
        var v: Int64 = 0
        var size = MemoryLayout<Int64>.size
        _ = try zmqRequire("zmq_getsockopt(\(name))") { zmq_getsockopt(h, option, &v, &size) }
        return v
    }

    func bytesOption(_ option: Int32, capacity: Int, _ name: String) throws(ZMQError) -> [UInt8] {
        let h = try live("zmq_getsockopt(\(name))")
        var buffer = [UInt8](repeating: 0, count: capacity)
        var size = capacity
        _ = try zmqRequire("zmq_getsockopt(\(name))") { zmq_getsockopt(h, option, &buffer, &size) }
        return Array(buffer.prefix(size))
    }

    // MARK: Lifetime and queues

    /// Milliseconds pending messages are kept after `close()` (`ZMQ_LINGER`; 0 by default here).
    /// - Parameter milliseconds: the time in milliseconds.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setLinger(_ milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_LINGER, int32: milliseconds, "ZMQ_LINGER")
    }

    /// Outgoing high-water mark in messages per peer (`ZMQ_SNDHWM`, libzmq default 1000; 0 = none).
    /// - Parameter messages: the limit in messages.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setSendHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setOption(ZMQ_SNDHWM, int32: messages, "ZMQ_SNDHWM")
    }

    /// Incoming high-water mark in messages per peer (`ZMQ_RCVHWM`).
    /// - Parameter messages: the limit in messages.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setReceiveHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setOption(ZMQ_RCVHWM, int32: messages, "ZMQ_RCVHWM")
    }

    /// Largest accepted incoming message in bytes (`ZMQ_MAXMSGSIZE`; -1 = unlimited). A peer that
    /// sends a bigger one is disconnected by libzmq before the message reaches the application.
    /// - Parameter bytes: the limit in bytes.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setMaxMessageSize(_ bytes: Int64) throws(ZMQError) {
        try setOption(ZMQ_MAXMSGSIZE, int64: bytes, "ZMQ_MAXMSGSIZE")
    }

    /// The current `ZMQ_MAXMSGSIZE`.
    /// - Returns: the current value.
    /// - Throws: `ZMQError` (`ENOTSOCK` once closed).
    public func maxMessageSize() throws(ZMQError) -> Int64 { try int64Option(ZMQ_MAXMSGSIZE, "ZMQ_MAXMSGSIZE") }

    /// Blocking receive timeout (`ZMQ_RCVTIMEO`; -1 = forever). On expiry `receive` returns `nil`.
    /// - Parameter milliseconds: the time in milliseconds.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setReceiveTimeout(_ milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_RCVTIMEO, int32: milliseconds, "ZMQ_RCVTIMEO")
    }

    /// Blocking send timeout (`ZMQ_SNDTIMEO`; -1 = forever). On expiry `send` returns `false`.
    /// - Parameter milliseconds: the time in milliseconds.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setSendTimeout(_ milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_SNDTIMEO, int32: milliseconds, "ZMQ_SNDTIMEO")
    }

    /// Queue messages only to completed connections (`ZMQ_IMMEDIATE`): a DEALER then does not
    /// queue into a peer that has not connected yet (or went away).
    /// - Parameter on: `true` to enable, `false` to disable.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setImmediate(_ on: Bool) throws(ZMQError) {
        try setOption(ZMQ_IMMEDIATE, int32: on ? 1 : 0, "ZMQ_IMMEDIATE")
    }

    // MARK: Routing

    /// This socket's routing id as seen by a ROUTER peer (`ZMQ_ROUTING_ID`, 1–255 bytes, not
    /// starting with a zero byte). Set before connecting.
    /// - Parameter id: the routing id bytes.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setRoutingId<Bytes: ContiguousBytes>(_ id: Bytes) throws(ZMQError) {
        try setOption(ZMQ_ROUTING_ID, bytes: id, "ZMQ_ROUTING_ID")
    }

    /// The routing id (empty if none was set).
    /// - Returns: the current value.
    /// - Throws: `ZMQError` (`ENOTSOCK` once closed).
    public func routingId() throws(ZMQError) -> [UInt8] {
        try bytesOption(ZMQ_ROUTING_ID, capacity: 256, "ZMQ_ROUTING_ID")
    }

    /// ROUTER: report unroutable messages as `EHOSTUNREACH` instead of dropping them silently
    /// (`ZMQ_ROUTER_MANDATORY`).
    /// - Parameter on: `true` to enable, `false` to disable.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setRouterMandatory(_ on: Bool) throws(ZMQError) {
        try setOption(ZMQ_ROUTER_MANDATORY, int32: on ? 1 : 0, "ZMQ_ROUTER_MANDATORY")
    }

    /// ROUTER: a new connection with an id already in use takes it over (`ZMQ_ROUTER_HANDOVER`).
    /// - Parameter on: `true` to enable, `false` to disable.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setRouterHandover(_ on: Bool) throws(ZMQError) {
        try setOption(ZMQ_ROUTER_HANDOVER, int32: on ? 1 : 0, "ZMQ_ROUTER_HANDOVER")
    }

    /// SUB: subscribe to messages starting with `prefix` (empty = everything).
    /// - Parameter prefix: the message prefix to receive.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func subscribe(_ prefix: [UInt8] = []) throws(ZMQError) {
        try setOption(ZMQ_SUBSCRIBE, bytes: prefix, "ZMQ_SUBSCRIBE")
    }

    // MARK: Reconnection and liveness

    /// First reconnection delay after a lost connection (`ZMQ_RECONNECT_IVL`, default 100 ms).
    /// - Parameter milliseconds: the time in milliseconds.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setReconnectInterval(_ milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_RECONNECT_IVL, int32: milliseconds, "ZMQ_RECONNECT_IVL")
    }

    /// Upper bound of the exponential reconnection backoff (`ZMQ_RECONNECT_IVL_MAX`, 0 = no backoff).
    /// - Parameter milliseconds: the time in milliseconds.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setReconnectIntervalMax(_ milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_RECONNECT_IVL_MAX, int32: milliseconds, "ZMQ_RECONNECT_IVL_MAX")
    }

    /// Send a ZMTP PING every `milliseconds` on each connection (`ZMQ_HEARTBEAT_IVL`, 0 = off).
    /// - Parameter milliseconds: the time in milliseconds.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setHeartbeatInterval(_ milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_HEARTBEAT_IVL, int32: milliseconds, "ZMQ_HEARTBEAT_IVL")
    }

    /// Drop a connection when no traffic arrives within `milliseconds` after a PING
    /// (`ZMQ_HEARTBEAT_TIMEOUT`, default = the interval).
    /// - Parameter milliseconds: the time in milliseconds.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setHeartbeatTimeout(_ milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_HEARTBEAT_TIMEOUT, int32: milliseconds, "ZMQ_HEARTBEAT_TIMEOUT")
    }

    /// Ask the peer to drop the connection if it hears nothing from us for `milliseconds`
    /// (`ZMQ_HEARTBEAT_TTL`, rounded down to 100 ms).
    /// - Parameter milliseconds: the time in milliseconds.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setHeartbeatTTL(_ milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_HEARTBEAT_TTL, int32: milliseconds, "ZMQ_HEARTBEAT_TTL")
    }

    /// Give up a TCP connect attempt after `milliseconds` (`ZMQ_CONNECT_TIMEOUT`, 0 = OS default).
    /// - Parameter milliseconds: the time in milliseconds.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setConnectTimeout(_ milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_CONNECT_TIMEOUT, int32: milliseconds, "ZMQ_CONNECT_TIMEOUT")
    }

    /// Maximum time for the ZMTP handshake (and CURVE/ZAP) of a new connection
    /// (`ZMQ_HANDSHAKE_IVL`, default 30 000 ms).
    /// - Parameter milliseconds: the time in milliseconds.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setHandshakeInterval(_ milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_HANDSHAKE_IVL, int32: milliseconds, "ZMQ_HANDSHAKE_IVL")
    }

    // MARK: Security

    /// The ZAP domain for authentication requests of this socket (`ZMQ_ZAP_DOMAIN`). Setting it also
    /// makes libzmq consult the ZAP handler for NULL-mechanism connections.
    /// - Parameter domain: the ZAP domain.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setZAPDomain(_ domain: String) throws(ZMQError) {
        try setOption(ZMQ_ZAP_DOMAIN, bytes: Array(domain.utf8), "ZMQ_ZAP_DOMAIN")
    }

    /// Act as CURVE server (`ZMQ_CURVE_SERVER`); also set `setCurveSecretKey`.
    /// - Parameter on: `true` to enable, `false` to disable.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setCurveServer(_ on: Bool) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVER, int32: on ? 1 : 0, "ZMQ_CURVE_SERVER")
    }

    /// This socket's long-term CURVE public key, 40 Z85 characters (`ZMQ_CURVE_PUBLICKEY`).
    /// - Parameter key: the key, 40 Z85 characters.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setCurvePublicKey(z85 key: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_PUBLICKEY, cString: key, "ZMQ_CURVE_PUBLICKEY")
    }

    /// This socket's long-term CURVE secret key, 40 Z85 characters (`ZMQ_CURVE_SECRETKEY`).
    /// - Parameter key: the key, 40 Z85 characters.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setCurveSecretKey(z85 key: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SECRETKEY, cString: key, "ZMQ_CURVE_SECRETKEY")
    }

    /// Client: the server's CURVE public key, 40 Z85 characters (`ZMQ_CURVE_SERVERKEY`).
    /// - Parameter key: the key, 40 Z85 characters.
    /// - Throws: `ZMQError` (`EINVAL` for a value libzmq refuses, `ENOTSOCK` once closed).
    public func setCurveServerKey(z85 key: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVERKEY, cString: key, "ZMQ_CURVE_SERVERKEY")
    }

    // MARK: Read-only state

    /// The endpoint last bound or connected, with wildcards resolved
    /// (`tcp://127.0.0.1:*` → `tcp://127.0.0.1:41234`).
    public var lastEndpoint: String {
        get throws(ZMQError) {
            let raw = try bytesOption(ZMQ_LAST_ENDPOINT, capacity: 1024, "ZMQ_LAST_ENDPOINT")
            return String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Whether the last received frame has more frames following (`ZMQ_RCVMORE`).
    public var hasMoreToReceive: Bool {
        get throws(ZMQError) { try int32Option(ZMQ_RCVMORE, "ZMQ_RCVMORE") != 0 }
    }
}
