// zmq-raw: what the ZeroMQ wrapper itself can carry on this machine, as a ceiling for the runtime.
//
//   swift build -c release --product zmq-raw && .build/release/zmq-raw [--messages N] [--transport tcp|ipc]
//
// 1. one-way pipelined: a DEALER thread sends N two-frame messages (16-byte header + 64-byte body)
//    to a ROUTER thread; messages/s until the last one is received.
// 2. round trip: DEALER sends one message, ROUTER echoes it, repeated; µs per round trip.
// 3. the same one-way run with CURVE encryption.
import Foundation
import ZeroMQ

func argument(_ flag: String, default value: String) -> String {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: flag), i + 1 < args.count { return args[i + 1] }
    return value
}

let messages = Int(argument("--messages", default: "500000")) ?? 500_000
let roundTrips = Int(argument("--round-trips", default: "20000")) ?? 20_000
let transport = argument("--transport", default: "tcp")
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zmq-raw-\(getpid())").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }

func endpoint(_ name: String) -> String {
    transport == "ipc" ? "ipc://\(directory)/\(name).sock" : "tcp://127.0.0.1:*"
}

/// Runs `body` on a new thread; the returned semaphore is signalled when it ends.
func spawn(_ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
    let done = DispatchSemaphore(value: 0)
    Thread {
        body()
        done.signal()
    }.start()
    return done
}

func oneWay(_ context: Context, curve: (CurveServerConfig, CurveClientConfig)?) throws -> Double {
    let router = try Socket(context, type: .router)
    try router.setReceiveHighWaterMark(0)
    if let curve { try router.makeCurveServer(curve.0) }
    let bound = try router.bindReturningEndpoint(endpoint("oneway\(curve == nil ? "" : "-curve")"))
    let count = messages
    let done = spawn {
        do {
            let dealer = try Socket(context, type: .dealer)
            try dealer.setSendHighWaterMark(0)
            if let curve { try dealer.makeCurveClient(curve.1) }
            try dealer.connect(bound)
            let header = [UInt8](repeating: 1, count: 16)
            let body = [UInt8](repeating: 2, count: 64)
            for _ in 0..<count { try dealer.send([header, body]) }
            // Keep the socket open until the receiver has everything (linger 0 would drop the queue).
            Thread.sleep(forTimeInterval: 0.2)
            _ = try dealer.receive(dontWait: false)
        } catch {
            print("sender: \(error)")
        }
    }
    let first = try router.receive()!
    let start = DispatchTime.now().uptimeNanoseconds
    var received = 1
    var bytes = first.reduce(0) { $0 + $1.count }
    while received < count, let m = try router.receive() {
        received += 1
        bytes += m[2].count
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    try router.send([first[0], Data("done".utf8)])
    done.wait()
    router.close()
    return Double(received - 1) / seconds
}

func roundTrip(_ context: Context) throws -> Double {
    let router = try Socket(context, type: .router)
    let bound = try router.bindReturningEndpoint(endpoint("rtt"))
    let count = roundTrips
    let transfer = SocketTransfer(router)  // the echo thread owns the ROUTER from here on
    let done = spawn {
        let router = transfer.take()!
        defer { router.close() }
        do {
            for _ in 0..<count {
                guard let m = try router.receive() else { break }
                try router.send(m)
            }
        } catch {
            print("echo: \(error)")
        }
    }
    let dealer = try Socket(context, type: .dealer)
    try dealer.connect(bound)
    let payload = [[UInt8](repeating: 3, count: 64)]
    try dealer.send(payload)
    _ = try dealer.receive()
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 1..<count {
        try dealer.send(payload)
        _ = try dealer.receive()
    }
    let micros = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3 / Double(count - 1)
    done.wait()
    dealer.close()
    return micros
}

let context = try Context()
let v = zmqVersion
print(
    "libzmq \(v.major).\(v.minor).\(v.patch), transport \(transport), \(ProcessInfo.processInfo.activeProcessorCount) cpus"
)
let plain = try oneWay(context, curve: nil)
print(String(format: "one-way pipelined (2 frames, 80 B): %.0f messages/s over %d messages", plain, messages))
let rtt = try roundTrip(context)
print(String(format: "round trip (64 B): %.1f µs (%.0f round trips/s)", rtt, 1e6 / rtt))
let server = try CurveKeyPair.generate()
let client = try CurveKeyPair.generate()
let serverConfig = CurveServerConfig(keyPair: server, authorizedKeys: ["bench": client.publicKey])
let zap = try ZAPAuthenticator(context: context, config: serverConfig)
let curved = try oneWay(
    context, curve: (serverConfig, CurveClientConfig(keyPair: client, serverPublicKey: server.publicKey)))
print(String(format: "one-way pipelined with CURVE: %.0f messages/s", curved))
zap.stop()
context.close()
