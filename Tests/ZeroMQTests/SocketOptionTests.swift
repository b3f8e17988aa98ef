import CZeroMQ
import Foundation
import Testing

@testable import ZeroMQ

@Suite("Socket options")
struct SocketOptionTests {
    @Test("every option setter reaches libzmq (read back through zmq_getsockopt)")
    func optionsReachLibzmq() throws {
        let context = try Context()
        defer { context.close() }
        let s = try Socket(context, type: .dealer)
        #expect(try s.int32Option(ZMQ_LINGER, "") == 0, "sockets start with linger 0")
        try s.setLinger(250)
        try s.setSendHighWaterMark(11)
        try s.setReceiveHighWaterMark(12)
        try s.setMaxMessageSize(1 << 20)
        try s.setReceiveTimeout(13)
        try s.setSendTimeout(14)
        try s.setImmediate(true)
        try s.setRoutingId([0x77, 0x01])
        try s.setReconnectInterval(15)
        try s.setReconnectIntervalMax(1600)
        try s.setHeartbeatInterval(170)
        try s.setHeartbeatTimeout(180)
        try s.setHeartbeatTTL(1900)
        try s.setConnectTimeout(20)
        try s.setHandshakeInterval(2100)
        let expected: [(Int32, Int32)] = [
            (ZMQ_LINGER, 250), (ZMQ_SNDHWM, 11), (ZMQ_RCVHWM, 12), (ZMQ_RCVTIMEO, 13), (ZMQ_SNDTIMEO, 14),
            (ZMQ_IMMEDIATE, 1), (ZMQ_RECONNECT_IVL, 15), (ZMQ_RECONNECT_IVL_MAX, 1600),
            (ZMQ_HEARTBEAT_IVL, 170), (ZMQ_HEARTBEAT_TIMEOUT, 180), (ZMQ_HEARTBEAT_TTL, 1900),
            (ZMQ_CONNECT_TIMEOUT, 20), (ZMQ_HANDSHAKE_IVL, 2100),
        ]
        for (option, value) in expected {
            #expect(try s.int32Option(option, "\(option)") == value, "option \(option)")
        }
        #expect(try s.maxMessageSize() == 1 << 20)
        #expect(try s.routingId() == [0x77, 0x01])

        let key = try CurveKeyPair.generate()
        try s.setCurveServerKey(z85: key.publicKey)
        try s.setCurvePublicKey(z85: key.publicKey)
        try s.setCurveSecretKey(z85: key.secretKey)
        #expect(try s.bytesOption(ZMQ_CURVE_SERVERKEY, capacity: 32, "") == Z85.decode(key.publicKey))
        #expect(try s.int32Option(ZMQ_MECHANISM, "") == ZMQ_CURVE)
        let bad = try #require(throws: ZMQError.self) { try s.setCurveServerKey(z85: "short") }
        #expect(bad.code == EINVAL)
        try s.setZAPDomain("dmfsweep")
        #expect(
            String(decoding: try s.bytesOption(ZMQ_ZAP_DOMAIN, capacity: 64, "").prefix { $0 != 0 }, as: UTF8.self)
                == "dmfsweep")
    }

    @Test("a Message keeps its bytes and reports its size")
    func message() throws {
        let bytes: [UInt8] = Array(0..<200).map { UInt8($0) }
        let m = try Message(copying: bytes)
        #expect(m.count == 200)
        #expect(m.bytes == bytes)
        #expect(m.data == Data(bytes))
        let empty = try Message(copying: [UInt8]())
        #expect(empty.count == 0)
        #expect(empty.bytes.isEmpty)
    }
}
