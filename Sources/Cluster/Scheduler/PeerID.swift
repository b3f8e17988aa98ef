/// The identity of a connected worker as the coordinator's ROUTER socket sees it (its routing id).
public struct PeerID: Hashable, Sendable, CustomStringConvertible {
    /// The routing-id bytes.
    public let bytes: [UInt8]

    /// The peer whose routing id is `bytes`.
    /// - Parameter bytes: the routing-id frame ROUTER put in front of the peer's message.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The first 8 bytes in hex, for logs.
    public var description: String { bytes.prefix(8).map { String($0, radix: 16) }.joined() }
}
