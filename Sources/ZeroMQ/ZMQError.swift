import CZeroMQ

/// A failed libzmq call: the C `errno`, the operation that failed and libzmq's own message.
///
/// `EAGAIN` never surfaces as a `ZMQError` from the blocking/non-blocking send and receive calls
/// (they return `nil`/`false` instead), and `EINTR` is retried internally.
public struct ZMQError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The `errno` value libzmq reported (`zmq_errno()`).
    public let code: Int32
    /// What was being done, e.g. `zmq_bind(tcp://127.0.0.1:0)`.
    public let operation: String
    /// `zmq_strerror(code)`.
    public let message: String

    /// Creates an error from an explicit code.
    /// - Parameters:
    ///   - code: the `errno` value.
    ///   - operation: a short description of the failed call.
    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
        self.message = String(cString: zmq_strerror(code))
    }

    /// The error for the last failed libzmq call in this thread.
    static func last(_ operation: @autoclosure () -> String) -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation())
    }

    /// The operation, libzmq's message and the errno, e.g. `zmq_bind(tcp://…) failed: Address in use (errno 98)`.
    public var description: String { "\(operation) failed: \(message) (errno \(code))" }

    /// The context was terminated (`ETERM`): the socket must be closed.
    public var isContextTerminated: Bool { code == ETERM }
    /// A ROUTER with `routerMandatory` could not route to the given identity (`EHOSTUNREACH`).
    public var isHostUnreachable: Bool { code == EHOSTUNREACH }
    /// The operation would have blocked (`EAGAIN`); only seen from lower-level calls.
    public var isWouldBlock: Bool { code == EAGAIN }
}

/// Runs a libzmq call returning `-1` on failure, retrying on `EINTR`.
/// - Returns: the call's non-negative result, or `nil` if it failed with `EAGAIN` and `allowAgain`.
/// - Throws: `ZMQError` for any other failure.
@inline(__always)
func zmqCheck(
    _ operation: @autoclosure () -> String, allowAgain: Bool = false, _ call: () -> Int32
) throws(ZMQError) -> Int32? {
    while true {
        let rc = call()
        if rc >= 0 { return rc }
        let code = zmq_errno()
        if code == EINTR { continue }
        if code == EAGAIN && allowAgain { return nil }
        throw ZMQError(code: code, operation: operation())
    }
}

/// Like `zmqCheck` without `EAGAIN` handling: returns the non-negative result.
@inline(__always)
func zmqRequire(_ operation: @autoclosure () -> String, _ call: () -> Int32) throws(ZMQError) -> Int32 {
    // `allowAgain: false` means `zmqCheck` never returns nil.
    try zmqCheck(operation(), allowAgain: false, call)!
}

/// The version of the linked libzmq, e.g. `(4, 3, 4)`.
public var zmqVersion: (major: Int, minor: Int, patch: Int) {
    var major: Int32 = 0
    var minor: Int32 = 0
    var patch: Int32 = 0
    zmq_version(&major, &minor, &patch)
    return (Int(major), Int(minor), Int(patch))
}
