import CZeroMQ
import Foundation

/// A ZeroMQ socket: owns one libzmq socket handle and closes it in `close()` or `deinit`.
///
/// **Thread confinement.** libzmq sockets are not thread-safe (zmq(7)): a `Socket` must be used by
/// one thread at a time, and should live its whole life on one thread. It is therefore not
/// `Sendable`. Create sockets on the thread that uses them (the `Context` is `Sendable`), or move a
/// freshly made socket to its thread once with `SocketTransfer`. Never call its blocking methods
/// from Swift's cooperative thread pool: give each socket a dedicated `Thread`.
///
/// Messages are multipart: `send` takes the frames, `receive` returns all frames of one message.
/// `EAGAIN` (non-blocking call that would block, or an expired `receiveTimeout`/`sendTimeout`) is
/// reported as `nil`/`false`; `EINTR` is retried; everything else throws `ZMQError`.
///
/// Every socket starts with `linger = 0`, so closing never blocks on unsent messages.
public final class Socket {
    /// The context this socket belongs to (kept alive by the socket).
    public let context: Context
    /// The socket's pattern.
    public let type: SocketType
    var handle: UnsafeMutableRawPointer?
    /// Reused for receiving, so a receive allocates only the returned frames.
    private let scratch = Message()

    /// Creates a socket of `type` in `context`, with `linger` set to 0.
    /// - Parameters:
    ///   - context: the context; the socket keeps it alive.
    ///   - type: the ZeroMQ pattern role.
    /// - Throws: `ZMQError` (e.g. `EMFILE` when out of file descriptors, `ETERM` after shutdown).
    public init(_ context: Context, type: SocketType) throws(ZMQError) {
        self.context = context
        self.type = type
        guard let h = zmq_socket(context.rawHandle, type.rawValue) else {
            throw ZMQError.last("zmq_socket(\(type))")
        }
        handle = h
        var zero: Int32 = 0
        _ = zmq_setsockopt(h, ZMQ_LINGER, &zero, MemoryLayout<Int32>.size)
    }

    deinit { close() }

    /// Closes the socket (`zmq_close`); pending outgoing messages are kept for `linger` ms.
    /// Calling it twice is harmless; any later use throws `ENOTSOCK`.
    public func close() {
        if let h = handle {
            zmq_close(h)
            handle = nil
        }
    }

    /// Whether `close()` has been called.
    public var isClosed: Bool { handle == nil }

    /// The live handle, or `ENOTSOCK` if closed.
    @inline(__always)
    func live(_ operation: @autoclosure () -> String) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let h = handle else { throw ZMQError(code: ENOTSOCK, operation: operation()) }
        return h
    }

    // MARK: Endpoints

    /// Binds to `endpoint`, e.g. `tcp://127.0.0.1:*` (a free port; read it back from
    /// `lastEndpoint`), `ipc:///tmp/x.sock`, `inproc://name`.
    /// - Parameter endpoint: the local address to listen on.
    /// - Throws: `ZMQError` (`EADDRINUSE`, `EINVAL` for a malformed endpoint, `EPROTONOSUPPORT`…).
    public func bind(_ endpoint: String) throws(ZMQError) {
        let h = try live("zmq_bind(\(endpoint))")
        _ = try zmqRequire("zmq_bind(\(endpoint))") { zmq_bind(h, endpoint) }
    }

    /// Binds and returns the endpoint actually bound (`tcp://127.0.0.1:*` → `tcp://127.0.0.1:41234`).
    /// - Parameter endpoint: the local address to listen on, possibly with a wildcard port.
    /// - Returns: the resolved endpoint (`ZMQ_LAST_ENDPOINT`).
    /// - Throws: `ZMQError`, as `bind`.
    @discardableResult
    public func bindReturningEndpoint(_ endpoint: String) throws(ZMQError) -> String {
        try bind(endpoint)
        return try lastEndpoint
    }

    /// Connects to `endpoint`. Connecting is asynchronous: it succeeds even if no peer is there yet;
    /// libzmq reconnects in the background (`reconnectInterval`).
    /// - Parameter endpoint: the peer's address, e.g. `tcp://node1:5555`.
    /// - Throws: `ZMQError` for a malformed endpoint or an unsupported transport.
    public func connect(_ endpoint: String) throws(ZMQError) {
        let h = try live("zmq_connect(\(endpoint))")
        _ = try zmqRequire("zmq_connect(\(endpoint))") { zmq_connect(h, endpoint) }
    }

    /// Stops listening on a bound endpoint (use the exact string from `lastEndpoint` for wildcards).
    /// - Parameter endpoint: an endpoint bound before.
    /// - Throws: `ZMQError` (`ENOENT` if not bound there).
    public func unbind(_ endpoint: String) throws(ZMQError) {
        let h = try live("zmq_unbind(\(endpoint))")
        _ = try zmqRequire("zmq_unbind(\(endpoint))") { zmq_unbind(h, endpoint) }
    }

    /// Disconnects from a connected endpoint.
    /// - Parameter endpoint: an endpoint connected before, spelled the same way.
    /// - Throws: `ZMQError` (`ENOENT` if not connected there).
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        let h = try live("zmq_disconnect(\(endpoint))")
        _ = try zmqRequire("zmq_disconnect(\(endpoint))") { zmq_disconnect(h, endpoint) }
    }

    // MARK: Sending

    /// Sends one multipart message made of `frames` (each `Data`, `[UInt8]`, …; copied).
    /// - Parameters:
    ///   - frames: the frames, at least one (an empty array sends nothing and returns `true`).
    ///   - dontWait: `ZMQ_DONTWAIT`: return `false` instead of blocking when the message cannot be
    ///     queued (high-water mark reached, no peer for DEALER/PUSH…).
    /// - Returns: `true` if queued; `false` on `EAGAIN` (nothing of the message was sent).
    /// - Throws: `ZMQError`, e.g. `EHOSTUNREACH` on a ROUTER with `routerMandatory` for an unknown
    ///   peer, `ETERM` after the context was shut down.
    @discardableResult
    public func send<Frame: ContiguousBytes>(_ frames: [Frame], dontWait: Bool = false) throws(ZMQError) -> Bool {
        let h = try live("zmq_send")
        for (i, frame) in frames.enumerated() {
            let last = i == frames.count - 1
            // Only the first frame may report EAGAIN: once it is queued, libzmq accepts the rest of
            // the message atomically, so later frames are sent without DONTWAIT.
            var flags: Int32 = last ? 0 : ZMQ_SNDMORE
            if dontWait && i == 0 { flags |= ZMQ_DONTWAIT }
            let result = frame.withUnsafeBytes { buffer in
                Result { () throws(ZMQError) in
                    try zmqCheck("zmq_send(\(type), frame \(i))", allowAgain: i == 0) {
                        zmq_send(h, buffer.baseAddress, buffer.count, flags)
                    }
                }
            }
            if try result.get() == nil { return false }
        }
        return true
    }

    /// Sends one frame held in a `Message`, without copying; the message is emptied.
    /// - Parameters:
    ///   - message: the frame.
    ///   - more: whether more frames of the same message follow (`ZMQ_SNDMORE`).
    ///   - dontWait: `ZMQ_DONTWAIT`.
    /// - Returns: `false` on `EAGAIN`.
    /// - Throws: `ZMQError`.
    @discardableResult
    public func send(message: Message, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let h = try live("zmq_msg_send")
        var flags: Int32 = more ? ZMQ_SNDMORE : 0
        if dontWait { flags |= ZMQ_DONTWAIT }
        return try zmqCheck("zmq_msg_send(\(type))", allowAgain: true) { zmq_msg_send(message.pointer, h, flags) }
            != nil
    }

    // MARK: Receiving

    /// Receives all frames of the next message, each as `Data`.
    /// - Parameter dontWait: `ZMQ_DONTWAIT`: return `nil` at once if no message is waiting.
    /// - Returns: the frames, or `nil` on `EAGAIN` (no message, or `receiveTimeout` expired).
    /// - Throws: `ZMQError` (`ETERM` after the context was shut down, `ENOTSOCK` if closed).
    public func receive(dontWait: Bool = false) throws(ZMQError) -> [Data]? {
        try receiveFrames(dontWait: dontWait) { $0.data }
    }

    /// Receives all frames of the next message, each as `[UInt8]`.
    /// - Parameter dontWait: `ZMQ_DONTWAIT`.
    /// - Returns: the frames, or `nil` on `EAGAIN`.
    /// - Throws: `ZMQError`.
    public func receiveBytes(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        try receiveFrames(dontWait: dontWait) { $0.bytes }
    }

    /// Receives one frame into `message` (replacing its content), without copying.
    /// Check `message.hasMore` for further frames of the same message.
    /// - Parameters:
    ///   - message: the frame to fill; reuse it across calls.
    ///   - dontWait: `ZMQ_DONTWAIT`: return `false` at once if no frame is waiting.
    /// - Returns: `false` on `EAGAIN`.
    /// - Throws: `ZMQError`.
    public func receive(into message: Message, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let h = try live("zmq_msg_recv")
        let flags: Int32 = dontWait ? ZMQ_DONTWAIT : 0
        return try zmqCheck("zmq_msg_recv(\(type))", allowAgain: true) { zmq_msg_recv(message.pointer, h, flags) }
            != nil
    }

    private func receiveFrames<Frame>(dontWait: Bool, _ convert: (Message) -> Frame) throws(ZMQError) -> [Frame]? {
        let h = try live("zmq_msg_recv")
        var frames: [Frame] = []
        var flags: Int32 = dontWait ? ZMQ_DONTWAIT : 0
        while true {
            // Frames of one message arrive atomically: after the first, the rest never block.
            guard
                try zmqCheck(
                    "zmq_msg_recv(\(type))", allowAgain: frames.isEmpty, { zmq_msg_recv(scratch.pointer, h, flags) })
                    != nil
            else { return nil }
            frames.append(convert(scratch))
            if !scratch.hasMore { return frames }
            flags = 0
        }
    }
}
