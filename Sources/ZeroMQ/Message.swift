import CZeroMQ
import Foundation

/// One message frame, owning a `zmq_msg_t`.
///
/// libzmq stores small messages *inside* the `zmq_msg_t` and may keep pointers into it, so the
/// struct must never move while initialised (zmq_msg_init(3)); it is therefore allocated once on
/// the heap and never copied. A `Message` belongs to one thread, like a socket.
public final class Message {
    let pointer: UnsafeMutablePointer<zmq_msg_t>

    /// An empty frame, ready to receive into.
    public init() {
        pointer = .allocate(capacity: 1)
        zmq_msg_init(pointer)  // cannot fail (always returns 0)
    }

    /// A frame holding a copy of `bytes`.
    /// - Parameter bytes: the content.
    /// - Throws: `ZMQError` if libzmq cannot allocate the buffer.
    public init<Bytes: ContiguousBytes>(copying bytes: Bytes) throws(ZMQError) {
        pointer = .allocate(capacity: 1)
        let rc = bytes.withUnsafeBytes { buffer -> Int32 in
            guard zmq_msg_init_size(pointer, buffer.count) == 0 else { return -1 }
            if buffer.count > 0 { zmq_msg_data(pointer).copyMemory(from: buffer.baseAddress!, byteCount: buffer.count) }
            return 0
        }
        if rc != 0 {
            let error = ZMQError.last("zmq_msg_init_size")
            pointer.deallocate()
            throw error
        }
    }

    deinit {
        zmq_msg_close(pointer)
        pointer.deallocate()
    }

    /// Size of the frame in bytes.
    public var count: Int { zmq_msg_size(pointer) }

    /// Whether more frames of the same multipart message follow (valid after a receive).
    public var hasMore: Bool { zmq_msg_more(pointer) != 0 }

    /// Calls `body` with the frame's bytes, without copying. The buffer is valid only inside `body`.
    /// - Parameter body: reads the bytes.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let n = zmq_msg_size(pointer)
        guard n > 0, let base = zmq_msg_data(pointer) else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return try body(UnsafeRawBufferPointer(start: base, count: n))
    }

    /// A copy of the frame as `Data`.
    public var data: Data { withUnsafeBytes { Data($0) } }

    /// A copy of the frame as bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// The frame's bytes decoded as UTF-8 (invalid sequences repaired).
    public var string: String { withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    /// A metadata property of a received frame (zmq_msg_gets(3)), e.g. `"User-Id"` (set by the ZAP
    /// handler), `"Peer-Address"`, `"Socket-Type"`; `nil` if absent.
    /// - Parameter name: the property name.
    /// - Returns: its value, or `nil`.
    public func property(_ name: String) -> String? {
        guard let value = zmq_msg_gets(pointer, name) else { return nil }
        return String(cString: value)
    }
}
