import CZeroMQ

/// The ZeroMQ socket patterns (zmq_socket(3)).
public enum SocketType: Sendable, CaseIterable, CustomStringConvertible {
    /// Addresses peers by routing id; first frame of every message is the peer's id.
    case router
    /// Fair-queues and load-balances; no envelope.
    case dealer
    /// Strict request/reply client.
    case req
    /// Strict request/reply server.
    case rep
    /// Pipeline downstream (send only).
    case push
    /// Pipeline upstream (receive only).
    case pull
    /// Exclusive pair (typically over `inproc://`).
    case pair
    /// Publish (send only).
    case pub
    /// Subscribe (receive only).
    case sub

    var rawValue: Int32 {
        switch self {
        case .router: ZMQ_ROUTER
        case .dealer: ZMQ_DEALER
        case .req: ZMQ_REQ
        case .rep: ZMQ_REP
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .pair: ZMQ_PAIR
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        }
    }

    /// The libzmq name, e.g. `ROUTER`.
    public var description: String {
        switch self {
        case .router: "ROUTER"
        case .dealer: "DEALER"
        case .req: "REQ"
        case .rep: "REP"
        case .push: "PUSH"
        case .pull: "PULL"
        case .pair: "PAIR"
        case .pub: "PUB"
        case .sub: "SUB"
        }
    }
}
