import Foundation
import ZeroMQ

/// `dmfsweep keys generate`: CURVE key pairs for the coordinator and the workers.
enum KeysCommand {
    static let command = Command(
        name: "keys",
        summary: "generate CURVE key pairs for encrypted, authenticated coordinator/worker traffic",
        usage: "generate|authorize --keys DIR --name NAME [--authorize] [--force]",
        discussion: """
            Writes DIR/NAME.pub (the public key, 40 Z85 characters) and DIR/NAME.secret (public and
            secret key, mode 0600). With --authorize, also copies NAME.pub into DIR/authorized/, the
            allow-list of a coordinator started with '--curve --keys DIR'.
            Convention: the coordinator uses DIR/coordinator.secret and admits only keys in
            DIR/authorized/*.pub; a worker ('--curve --keys DIR [--key-name NAME]', default 'worker')
            needs DIR/coordinator.pub and its own DIR/NAME.secret.
            'keys authorize' adds an existing DIR/NAME.pub (e.g. copied from a worker host) to the allow-list.
            Example: dmfsweep keys generate --keys keys --name coordinator
                     dmfsweep keys generate --keys keys --name worker --authorize
            """,
        options: [
            OptionSpec(flag: "--keys", valueName: "DIR", help: "key directory (created with mode 0700 if missing)"),
            OptionSpec(flag: "--name", valueName: "NAME", help: "key name: coordinator, worker, a host name…"),
            OptionSpec(flag: "--authorize", valueName: nil, help: "also add NAME.pub to DIR/authorized/"),
            OptionSpec(flag: "--force", valueName: nil, help: "replace existing key files"),
        ],
        run: run)

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let action = try args.positionals(exactly: 1, names: "action (generate or authorize)")[0]
        guard action == "generate" || action == "authorize" else {
            throw UsageError("unknown action '\(action)' for 'dmfsweep keys' (expected 'generate' or 'authorize')")
        }
        guard let path = args.string("--keys") else { throw UsageError("--keys DIR is required") }
        guard let name = args.string("--name") else { throw UsageError("--name NAME is required") }
        let force = args.has("--force")
        let dir = CurveKeyDirectory(path)
        do {
            if action == "authorize" {
                print("authorized \(try dir.authorize(name: name, force: force))")
                return 0
            }
            let pair = try CurveKeyPair.generate()
            let written = try dir.write(pair, name: name, force: force)
            print("public key \(pair.publicKey)")
            print("wrote \(written.publicKey)")
            print("wrote \(written.secretKey) (mode 0600: keep it private)")
            if args.has("--authorize") {
                print("authorized \(try dir.authorize(name: name, force: force))")
            }
            return 0
        } catch let error as CurveKeyError {
            throw ExitStatus.failure(error)
        } catch {
            throw CommandFailure("cannot generate a CURVE key pair: \(error)")
        }
    }
}
