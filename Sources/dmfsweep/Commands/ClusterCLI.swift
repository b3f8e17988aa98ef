import Cluster
import Foundation
import ZeroMQ

/// Options and output shared by the cluster commands.
enum ClusterCLI {
    /// The CURVE client configuration from `--curve --keys DIR [--key-name NAME]`, or `nil`.
    static func curveClient(_ args: ParsedArguments) throws -> CurveClientConfig? {
        guard args.has("--curve") else {
            if args.string("--keys") != nil { throw UsageError("--keys needs --curve") }
            return nil
        }
        guard let dir = args.string("--keys") else { throw UsageError("--curve needs --keys DIR") }
        do {
            return try CurveConfig.client(keysDirectory: dir, keyName: args.string("--key-name") ?? "worker")
        } catch {
            throw CommandFailure(String(describing: error))
        }
    }

    /// A log sink writing text or JSON lines to stderr, per `--log-format`.
    static func logSink(_ args: ParsedArguments, component: String) throws -> LogSink {
        let json = try args.choice("--log-format", ["text", "json"]) == "json"
        return { record in
            let line = (json ? record.json(component: component) : record.text(component: component)) + "\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
}

/// Endpoint checks.
enum Endpoints {
    /// Whether an endpoint is reachable only from this machine.
    static func isLoopback(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        let rest = endpoint.dropFirst(6)
        return rest.hasPrefix("127.") || rest.hasPrefix("localhost:") || rest.hasPrefix("[::1]:")
    }
}
