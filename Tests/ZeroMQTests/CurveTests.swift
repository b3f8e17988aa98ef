import Foundation
import TestSupport
import Testing
import ZeroMQ

/// Waits until `condition` holds, checking every 10 ms, for at most `seconds`.
func eventually(_ seconds: Double = 5, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return try condition()
}

@Suite("CURVE keys and files")
struct CurveKeyTests {
    @Test("Z85 matches the RFC 32 test vector and rejects bad input")
    func z85() {
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(Z85.encode(bytes) == "HelloWorld")
        #expect(Z85.decode("HelloWorld") == bytes)
        #expect(Z85.encode([1, 2, 3]) == nil)
        #expect(Z85.decode("Hello World") == nil)  // space is not in the alphabet
        #expect(Z85.decode("Hell") == nil)
    }

    @Test("generated key pairs are distinct, valid, and the public key is derivable from the secret")
    func keyPairs() throws {
        let a = try CurveKeyPair.generate()
        let b = try CurveKeyPair.generate()
        #expect(a != b)
        #expect(a.publicKey.count == 40 && a.secretKey.count == 40)
        #expect(Z85.decode(a.publicKey)?.count == 32)
        #expect(try CurveKeyPair(secretKey: a.secretKey) == a)
        #expect(throws: CurveKeyError.mismatchedKeys(path: nil)) {
            try CurveKeyPair(publicKey: b.publicKey, secretKey: a.secretKey)
        }
        #expect(!a.description.contains(a.secretKey))
        let short = try #require(throws: CurveKeyError.self) { try CurveKeyPair(secretKey: "abc") }
        #expect(short.description.contains("expected 40 Z85 characters, got 3"))
    }

    @Test("key files round trip with private permissions; no overwrite without force; authorize copies")
    func keyFiles() throws {
        let tmp = try TemporaryDirectory(prefix: "zmq-keys")
        let dir = CurveKeyDirectory(tmp.path("keys"))
        let pair = try CurveKeyPair.generate()
        let paths = try dir.write(pair, name: "node-1")
        #expect(paths.publicKey == tmp.path("keys") + "/node-1.pub")
        #expect(try String(contentsOfFile: paths.publicKey, encoding: .utf8) == pair.publicKey + "\n")
        let mode = try FileManager.default.attributesOfItem(atPath: paths.secretKey)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try dir.readKeyPair("node-1") == pair)
        #expect(try dir.readPublicKey("node-1") == pair.publicKey)

        #expect(throws: CurveKeyError.exists(path: paths.publicKey)) {
            try dir.write(CurveKeyPair.generate(), name: "node-1")
        }
        #expect(try dir.readKeyPair("node-1") == pair, "a refused write leaves the old key")
        let other = try CurveKeyPair.generate()
        try dir.write(other, name: "node-1", force: true)
        #expect(try dir.readKeyPair("node-1") == other)

        #expect(try dir.authorizedKeys().isEmpty)
        let copy = try dir.authorize(name: "node-1")
        #expect(copy == dir.authorizedDirectory + "/node-1.pub")
        #expect(try dir.authorizedKeys() == ["node-1.pub": other.publicKey])
        #expect(throws: CurveKeyError.invalidName("../x")) { try dir.write(pair, name: "../x") }
    }

    @Test("bad key files give errors naming the file and the problem")
    func badFiles() throws {
        let tmp = try TemporaryDirectory(prefix: "zmq-badkeys")
        let dir = CurveKeyDirectory(tmp.url.path)
        let good = try CurveKeyPair.generate()
        let other = try CurveKeyPair.generate()
        func write(_ name: String, _ text: String) throws {
            try text.write(toFile: tmp.path(name), atomically: true, encoding: .utf8)
        }
        let missing = try #require(throws: CurveKeyError.self) { try dir.readKeyPair("nobody") }
        #expect(missing.description.contains("missing key file \(tmp.url.path)/nobody.secret"))

        try write("short.pub", "abcdef\n")
        let short = try #require(throws: CurveKeyError.self) { try dir.readPublicKey("short") }
        #expect(short.description.contains("short.pub"))
        #expect(short.description.contains("expected 40 Z85 characters, got 6"))

        try write("badchar.pub", String(good.publicKey.dropLast()) + " \n")
        #expect(throws: CurveKeyError.self) { try dir.readPublicKey("badchar") }
        try write("quote.pub", String(good.publicKey.dropLast()) + "\"\n")
        let quote = try #require(throws: CurveKeyError.self) { try dir.readPublicKey("quote") }
        #expect(quote.description.contains("is not a Z85 character"))

        try write("mixed.secret", "public-key: \(other.publicKey)\nsecret-key: \(good.secretKey)\n")
        let mixed = try #require(throws: CurveKeyError.self) { try dir.readKeyPair("mixed") }
        #expect(mixed == .mismatchedKeys(path: tmp.path("mixed.secret")))

        try write("nosecret.secret", "public-key: \(good.publicKey)\n")
        let noSecret = try #require(throws: CurveKeyError.self) { try dir.readKeyPair("nosecret") }
        #expect(noSecret.description.contains("no 'secret-key:' line"))
    }

    @Test("CurveConfig loads the coordinator/worker convention and explains what is missing")
    func configs() throws {
        let tmp = try TemporaryDirectory(prefix: "zmq-conf")
        let path = tmp.url.path
        let dir = CurveKeyDirectory(path)
        #expect(throws: CurveKeyError.self) { try CurveConfig.server(keysDirectory: path) }
        let coordinator = try CurveKeyPair.generate()
        try dir.write(coordinator, name: "coordinator")
        let empty = try #require(throws: CurveKeyError.self) { try CurveConfig.server(keysDirectory: path) }
        #expect(empty == .noAuthorizedKeys(directory: path + "/authorized"))

        let worker = try CurveKeyPair.generate()
        try dir.write(worker, name: "gpu-7")
        try dir.authorize(name: "gpu-7")
        let server = try CurveConfig.server(keysDirectory: path)
        #expect(server.keyPair == coordinator)
        #expect(server.authorizedKeys == ["gpu-7": worker.publicKey])

        let client = try CurveConfig.client(keysDirectory: path, keyName: "gpu-7")
        #expect(client.keyPair == worker)
        #expect(client.serverPublicKey == coordinator.publicKey)
        let noWorker = try #require(throws: CurveKeyError.self) { try CurveConfig.client(keysDirectory: path) }
        #expect(noWorker.description.contains("worker.secret"))
    }
}

@Suite("CURVE transport")
struct CurveTransportTests {
    @Test("an allow-listed client talks both ways; an unknown key gets nothing through")
    func allowList() throws {
        let context = try Context()
        defer { context.close() }
        let coordinator = try CurveKeyPair.generate()
        let worker = try CurveKeyPair.generate()
        let intruder = try CurveKeyPair.generate()
        let server = CurveServerConfig(keyPair: coordinator, authorizedKeys: ["worker": worker.publicKey])
        let zap = try ZAPAuthenticator(context: context, config: server)
        defer { zap.stop() }

        let router = try Socket(context, type: .router)
        try router.makeCurveServer(server)
        let endpoint = try router.bindReturningEndpoint("tcp://127.0.0.1:*")

        let good = try Socket(context, type: .dealer)
        try good.makeCurveClient(CurveClientConfig(keyPair: worker, serverPublicKey: coordinator.publicKey))
        try good.connect(endpoint)
        try good.send([Data("hello from worker".utf8)])

        let poller = Poller()
        poller.add(router)
        #expect(try poller.readable(timeout: 5000) == [0])
        let frame = Message()
        #expect(try router.receive(into: frame, dontWait: true))
        let routingId = frame.data
        #expect(frame.hasMore)
        #expect(try router.receive(into: frame, dontWait: true))
        #expect(frame.string == "hello from worker")
        #expect(frame.property("User-Id") == "worker")
        try router.send([routingId, Data("welcome".utf8)])
        #expect(try receive(good) == [Data("welcome".utf8)])

        let bad = try Socket(context, type: .dealer)
        try bad.makeCurveClient(CurveClientConfig(keyPair: intruder, serverPublicKey: coordinator.publicKey))
        let badEvents = try bad.monitor("inproc://monitor-intruder", events: .handshakeFailedAuth)
        try bad.connect(endpoint)
        _ = try bad.send([Data("let me in".utf8)], dontWait: true)
        #expect(eventually { zap.statistics.denied >= 1 })
        #expect(zap.statistics.lastDeniedKey == intruder.publicKey)
        #expect(zap.statistics.allowed == 1)
        #expect(try receive(badEvents)?.isEmpty == false, "the intruder sees its handshake refused")
        #expect(try router.receive(dontWait: true) == nil, "nothing from the intruder reached the server")
        try router.send([routingId, Data("still talking".utf8)])
        #expect(try receive(good) == [Data("still talking".utf8)])
        #expect(try bad.receive(dontWait: true) == nil)
    }

    @Test("without a running ZAP handler a CURVE server admits nobody (fail closed)")
    func failClosed() throws {
        let context = try Context()
        defer { context.close() }
        let coordinator = try CurveKeyPair.generate()
        let worker = try CurveKeyPair.generate()
        let router = try Socket(context, type: .router)
        try router.makeCurveServer(CurveServerConfig(keyPair: coordinator, authorizedKeys: ["w": worker.publicKey]))
        let failures = try router.monitor(
            "inproc://monitor-noauth",
            events: [.handshakeFailedNoDetail, .handshakeFailedAuth, .handshakeFailedProtocol])
        let endpoint = try router.bindReturningEndpoint("tcp://127.0.0.1:*")
        let client = try Socket(context, type: .dealer)
        try client.makeCurveClient(CurveClientConfig(keyPair: worker, serverPublicKey: coordinator.publicKey))
        try client.connect(endpoint)
        _ = try client.send([Data("hi".utf8)], dontWait: true)
        #expect(try receive(failures) != nil, "the handshake fails on the server")
        #expect(try router.receive(dontWait: true) == nil)
    }

    @Test("the ZAP decision logic refuses malformed requests, other mechanisms and other domains")
    func zapDecisions() throws {
        let context = try Context()
        defer { context.close() }
        let key = try CurveKeyPair.generate()
        let zap = try ZAPAuthenticator(context: context, authorizedKeys: ["w": key.publicKey])
        defer { zap.stop() }
        let raw = Data(try #require(Z85.decode(key.publicKey)))
        func request(domain: String = "dmfsweep", mechanism: String = "CURVE", credentials: [Data]) -> [Data] {
            [Data("1.0".utf8), Data("7".utf8), Data(domain.utf8), Data("127.0.0.1".utf8), Data(), Data(mechanism.utf8)]
                + credentials
        }
        // A real REQ client speaking ZAP to the handler, as libzmq does.
        let client = try Socket(context, type: .req)
        try client.connect(ZAPAuthenticator.endpoint)
        func ask(_ frames: [Data]) throws -> [String] {
            try client.send(frames)
            return try #require(try receive(client)).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(try ask(request(credentials: [raw])) == ["1.0", "7", "200", "OK", "w", ""])
        #expect(try ask(request(domain: "other", credentials: [raw]))[2] == "400")
        #expect(try ask(request(mechanism: "NULL", credentials: []))[2] == "400")
        #expect(try ask(request(credentials: [Data(repeating: 1, count: 32)]))[2] == "400")
        #expect(try ask([Data("2.0".utf8), Data("9".utf8)])[2] == "500")
        #expect(zap.statistics.allowed == 1)
        #expect(zap.statistics.denied == 4)
    }
}
