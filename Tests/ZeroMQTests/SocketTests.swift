import Foundation
import Synchronization
import TestSupport
import Testing
import ZeroMQ

/// Binds a socket of `type` on a free loopback port and returns it with its resolved endpoint.
func boundSocket(_ context: Context, _ type: SocketType, configure: (Socket) throws -> Void = { _ in }) throws -> (
    Socket, String
) {
    let socket = try Socket(context, type: type)
    try configure(socket)
    let endpoint = try socket.bindReturningEndpoint("tcp://127.0.0.1:*")
    return (socket, endpoint)
}

/// Polls `socket` up to `milliseconds` and receives one message, or returns nil.
func receive(_ socket: Socket, within milliseconds: Int = 5000) throws -> [Data]? {
    let poller = Poller()
    poller.add(socket)
    guard try !poller.readable(timeout: milliseconds).isEmpty else { return nil }
    return try socket.receive(dontWait: true)
}

@Suite("Sockets")
struct SocketTests {
    @Test("ROUTER/DEALER multipart round trip over tcp and ipc", arguments: ["tcp", "ipc"])
    func routerDealerRoundTrip(transport: String) throws {
        let context = try Context()
        defer { context.close() }
        let dir = try TemporaryDirectory(prefix: "zmq-ipc")
        do {
            let router = try Socket(context, type: .router)
            let endpoint =
                transport == "tcp"
                ? try router.bindReturningEndpoint("tcp://127.0.0.1:*")
                : try router.bindReturningEndpoint("ipc://" + dir.path("r.sock"))
            #expect(endpoint.hasPrefix(transport + "://"))
            #expect(!endpoint.hasSuffix(":*"))
            let dealer = try Socket(context, type: .dealer)
            try dealer.setRoutingId(Array("worker-7".utf8))
            try dealer.connect(endpoint)

            let payload = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            try dealer.send([Data("HELLO".utf8), Data(), payload])
            let received = try #require(try receive(router))
            #expect(received.count == 4)  // routing id + 3 frames
            #expect(received[0] == Data("worker-7".utf8))
            #expect(received[1] == Data("HELLO".utf8))
            #expect(received[2].isEmpty)
            #expect(received[3] == payload)

            // Reply through the routing id, as [[UInt8]].
            try router.send([Array("worker-7".utf8), [1, 2, 3], []])
            let reply = try #require(try receive(dealer).map { $0.map { [UInt8]($0) } })
            #expect(reply == [[1, 2, 3], []])
        }
    }

    @Test("non-blocking receive on an empty socket returns nil; send with no peer returns false")
    func nonBlocking() throws {
        let context = try Context()
        defer { context.close() }
        let (pull, _) = try boundSocket(context, .pull)
        #expect(try pull.receive(dontWait: true) == nil)
        #expect(try pull.receiveBytes(dontWait: true) == nil)
        // A DEALER with no connected peer cannot queue anything: EAGAIN → false.
        let dealer = try Socket(context, type: .dealer)
        #expect(try dealer.send([Data("x".utf8)], dontWait: true) == false)
        // A receive timeout expiring is EAGAIN too.
        try pull.setReceiveTimeout(10)
        #expect(try pull.receive() == nil)
    }

    @Test("poll returns no ready item when the timeout expires, and the ready one otherwise")
    func pollTimeout() throws {
        let context = try Context()
        defer { context.close() }
        let (a, endpoint) = try boundSocket(context, .pull)
        let (b, _) = try boundSocket(context, .pull)
        let poller = Poller()
        #expect(poller.add(a) == 0)
        #expect(poller.add(b) == 1)
        let idle = try poller.poll(timeout: 20)
        #expect(idle == [[], []])
        let push = try Socket(context, type: .push)
        try push.connect(endpoint)
        try push.send([Data("ping".utf8)])
        #expect(try poller.readable(timeout: 5000) == [0])
        #expect(try a.receive(dontWait: true) == [Data("ping".utf8)])
    }

    @Test("bad endpoints and closed sockets raise typed errors with libzmq's message")
    func errorMapping() throws {
        let context = try Context()
        defer { context.close() }
        let socket = try Socket(context, type: .router)
        let error = try #require(throws: ZMQError.self) { try socket.bind("tcp://no-such-interface-xyz:1") }
        #expect(error.code == ENODEV)
        #expect(error.operation.contains("zmq_bind(tcp://no-such-interface-xyz:1)"))
        #expect(error.description.contains("No such device"))
        let protocolError = try #require(throws: ZMQError.self) { try socket.connect("bogus://x") }
        #expect(protocolError.code == EPROTONOSUPPORT)
        // Keep the first socket alive: releasing it would free the port before the second bind.
        let (holder, used) = try boundSocket(context, .router)
        let inUse = try #require(throws: ZMQError.self) { try socket.bind(used) }
        #expect(inUse.code == EADDRINUSE)
        withExtendedLifetime(holder) {}
        socket.close()
        let closed = try #require(throws: ZMQError.self) { try socket.send([Data()]) }
        #expect(closed.code == ENOTSOCK)
    }

    @Test("ROUTER with routerMandatory reports an unknown peer as EHOSTUNREACH")
    func routerMandatory() throws {
        let context = try Context()
        defer { context.close() }
        let (router, _) = try boundSocket(context, .router) { try $0.setRouterMandatory(true) }
        let error = try #require(throws: ZMQError.self) { try router.send([Data("nobody".utf8), Data("x".utf8)]) }
        #expect(error.isHostUnreachable)
    }

    @Test("maxMessageSize: a message at the limit passes, a larger one disconnects its sender, the server lives on")
    func maxMessageSize() throws {
        let context = try Context()
        defer { context.close() }
        let limit = 1000
        let (router, endpoint) = try boundSocket(context, .router) { try $0.setMaxMessageSize(Int64(limit)) }
        #expect(try router.maxMessageSize() == Int64(limit))
        let events = try router.monitor("inproc://monitor-maxmsg", events: .disconnected)

        let dealer = try Socket(context, type: .dealer)
        try dealer.connect(endpoint)
        try dealer.send([Data(repeating: 7, count: limit)])
        let ok = try #require(try receive(router))
        #expect(ok[1].count == limit)

        try dealer.send([Data(repeating: 9, count: limit + 1)])
        let poller = Poller()
        poller.add(events)
        #expect(try poller.readable(timeout: 5000) == [0], "the server drops the oversized sender")
        #expect(try events.receiveMonitorEvent(dontWait: true)?.event == .disconnected)
        #expect(try router.receive(dontWait: true) == nil, "the oversized message never reaches the application")

        // The server still serves others.
        let other = try Socket(context, type: .dealer)
        try other.connect(endpoint)
        try other.send([Data("still here".utf8)])
        let after = try #require(try receive(router))
        #expect(after.last == Data("still here".utf8))
    }

    @Test("context shutdown wakes a blocked receive with ETERM")
    func shutdownWakesReceiver() throws {
        let context = try Context()
        let (pull, _) = try boundSocket(context, .pull)
        let transfer = SocketTransfer(pull)
        let done = DispatchSemaphore(value: 0)
        let result = Shared<Bool?>(nil)
        let thread = Thread {
            let socket = transfer.take()!
            do throws(ZMQError) {
                _ = try socket.receive()
            } catch {
                result.value.withLock { $0 = error.isContextTerminated }
            }
            socket.close()
            done.signal()
        }
        thread.start()
        Thread.sleep(forTimeInterval: 0.05)
        context.shutdown()
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(result.value.withLock { $0 } == true)
        #expect(transfer.take() == nil, "the transfer hands the socket out once")
        context.close()
    }
}

/// A value set by another thread: a `Mutex` in a class, because an escaping closure (a
/// `Thread`'s body) cannot capture the non-copyable `Mutex` itself.
final class Shared<Value: Sendable>: Sendable {
    let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
}
