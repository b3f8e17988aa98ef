import Cluster
import Foundation
import ZeroMQ

/// Options and output shared by the cluster commands.
enum ClusterCLI {
    /// The CURVE client configuration from `--curve --keys DIR [--key-name NAME]`, or `nil`.
    /// - Throws: `UsageError` for `--curve` without `--keys` or the reverse, the `CurveKeyError` (exit status 2) for a
    ///   missing or invalid key file.
    static func curveClient(_ args: ParsedArguments) throws -> CurveClientConfig? {
        guard let dir = try curveKeysDirectory(args) else { return nil }
        do {
            return try CurveConfig.client(keysDirectory: dir, keyName: args.string("--key-name") ?? "worker")
        } catch {
            throw ExitStatus.failure(error)
        }
    }

    /// The CURVE server configuration from `--curve --keys DIR`, or `nil`.
    /// - Throws: `UsageError` for `--curve` without `--keys` or the reverse, the `CurveKeyError` (exit status 2) for a
    ///   missing or invalid key file or an empty allow-list.
    static func curveServer(_ args: ParsedArguments) throws -> CurveServerConfig? {
        guard let dir = try curveKeysDirectory(args) else { return nil }
        do {
            return try CurveConfig.server(keysDirectory: dir)
        } catch {
            throw ExitStatus.failure(error)
        }
    }

    /// The key directory of `--curve --keys DIR`; `nil` without `--curve`.
    private static func curveKeysDirectory(_ args: ParsedArguments) throws -> String? {
        guard args.has("--curve") else {
            if args.string("--keys") != nil { throw UsageError("--keys needs --curve") }
            return nil
        }
        guard let dir = args.string("--keys") else { throw UsageError("--curve needs --keys DIR") }
        return dir
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
