import Foundation
import TestSupport
import Testing
import ZeroMQ

@Suite("dmfsweep keys (built binary)")
struct KeysCommandTests {
    @Test("generate writes a loadable key pair, refuses to overwrite, --force replaces, --authorize allow-lists")
    func generate() throws {
        try #require(FileManager.default.isExecutableFile(atPath: TestPaths.dmfsweep.path), "build dmfsweep first")
        let tmp = try TemporaryDirectory(prefix: "keys-cli")
        let keys = tmp.path("keys")

        let first = try runProcess(["keys", "generate", "--keys", keys, "--name", "coordinator"], timeout: 30)
        #expect(first.status == 0, "\(first.stderr)")
        let dir = CurveKeyDirectory(keys)
        let pair = try dir.readKeyPair("coordinator")
        #expect(first.stdout.contains(pair.publicKey))
        #expect(!first.stdout.contains(pair.secretKey), "the secret key is never printed")
        #expect(try dir.readPublicKey("coordinator") == pair.publicKey)
        let mode =
            try FileManager.default.attributesOfItem(atPath: dir.secretKeyPath("coordinator"))[.posixPermissions]
            as? Int
        #expect(mode == 0o600)

        let again = try runProcess(["keys", "generate", "--keys", keys, "--name", "coordinator"], timeout: 30)
        #expect(again.status == 2)  // an input error: the file exists and --force was not given
        #expect(again.stderr.contains("already exists; use --force"))
        #expect(again.stderr.split(separator: "\n").count == 1)
        #expect(try dir.readKeyPair("coordinator") == pair, "a refused run leaves the key intact")

        let forced = try runProcess(
            ["keys", "generate", "--keys", keys, "--name", "coordinator", "--force"], timeout: 30)
        #expect(forced.status == 0)
        #expect(try dir.readKeyPair("coordinator") != pair)

        let worker = try runProcess(
            ["keys", "generate", "--keys", keys, "--name", "worker", "--authorize"], timeout: 30)
        #expect(worker.status == 0, "\(worker.stderr)")
        let workerKey = try dir.readPublicKey("worker")
        #expect(try dir.authorizedKeys() == ["worker.pub": workerKey])

        // The files follow the convention CurveConfig loads on both sides.
        let server = try CurveConfig.server(keysDirectory: keys)
        let client = try CurveConfig.client(keysDirectory: keys)
        #expect(server.authorizedKeys["worker"] == client.keyPair.publicKey)
        #expect(client.serverPublicKey == server.keyPair.publicKey)

        // authorize: an existing public key joins the allow-list.
        try dir.write(CurveKeyPair.generate(), name: "node-2")
        let auth = try runProcess(["keys", "authorize", "--keys", keys, "--name", "node-2"], timeout: 30)
        #expect(auth.status == 0, "\(auth.stderr)")
        #expect(try CurveConfig.server(keysDirectory: keys).authorizedKeys.keys.sorted() == ["node-2", "worker"])
    }

    @Test(
        "usage errors exit 2 with one line",
        arguments: [
            (["keys", "generate", "--name", "x"], "--keys DIR is required"),
            (["keys", "generate", "--keys", "/tmp/unused-dmfsweep-keys"], "--name NAME is required"),
            (["keys", "rotate", "--keys", "/tmp/unused-dmfsweep-keys", "--name", "x"], "unknown action 'rotate'"),
            (
                ["keys", "generate", "--keys", "/tmp/unused-dmfsweep-keys", "--name", "../evil"],
                "invalid key name '../evil'"
            ),
        ])
    func usageErrors(arguments: [String], message: String) throws {
        let result = try runProcess(arguments, timeout: 30)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/unused-dmfsweep-keys"))
    }
}
