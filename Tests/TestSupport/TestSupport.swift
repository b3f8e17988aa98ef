import Foundation

/// Paths of the built products, for tests that run the real `dmfsweep` binary.
public enum TestPaths {
    /// The directory holding the built executables (`.build/<config>`), found from the test bundle.
    public static var productsDirectory: URL {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        // Swift Testing on Linux: the test runner binary itself lives in the products directory.
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    /// The built `dmfsweep` executable.
    public static var dmfsweep: URL { productsDirectory.appendingPathComponent("dmfsweep") }

    /// The repository root (for `sweeps/`, `deploy/`, fixtures).
    public static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }

    /// The Python with numpy for independent reference computations: `$DMFSWEEP_PYTHON`
    /// (scripts/test.sh sets it from Benchmarks/python-env.sh), else the repository's `.venv`,
    /// else `python3` on the PATH.
    /// - Throws: when none is found.
    public static func python() throws -> URL {
        if let p = ProcessInfo.processInfo.environment["DMFSWEEP_PYTHON"], !p.isEmpty {
            return URL(fileURLWithPath: p)
        }
        let venv = repositoryRoot.appendingPathComponent(".venv/bin/python")
        if FileManager.default.isExecutableFile(atPath: venv.path) { return venv }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("python3")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "no python3 with numpy"])
    }
}

extension TestPaths {
    /// The benchmark venv's Python (numpy, pandas, matplotlib, Dask), created on first use by
    /// Benchmarks/python-env.sh, which prints its path (about 80 s the first time).
    /// - Throws: when the script fails or prints nothing (its stderr in the message).
    public static func benchmarkPython() throws -> String {
        let env = try runProcess(
            [repositoryRoot.appendingPathComponent("Benchmarks/python-env.sh").path],
            executable: URL(fileURLWithPath: "/bin/bash"), timeout: 900)
        let python = env.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard env.status == 0, !python.isEmpty else {
            throw CocoaError(
                .fileNoSuchFile,
                userInfo: [NSLocalizedDescriptionKey: "Benchmarks/python-env.sh failed: \(env.stderr)"])
        }
        return python
    }
}

/// A fresh directory under the system temp dir, removed when the value is released.
public final class TemporaryDirectory: Sendable {
    /// The directory.
    public let url: URL

    /// Creates the directory.
    public init(prefix: String = "dmfsweep-test") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The outcome of a finished child process.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// Whether it was ended by a signal (then `status` is the signal number).
    public var signaled: Bool
}

/// Runs a program to completion (a `ChildProcess`) and captures its output; kills it after
/// `timeout` seconds.
/// - Parameters:
///   - arguments: its arguments.
///   - executable: the program (default: the built `dmfsweep`).
///   - environment: extra environment variables.
///   - stdin: text written to its standard input (then closed).
///   - timeout: seconds before SIGKILL.
public func runProcess(
    _ arguments: [String], executable: URL = TestPaths.dmfsweep, environment: [String: String] = [:],
    stdin: String? = nil, timeout: Double = 120
) throws -> ProcessOutput {
    let child = try ChildProcess(arguments, executable: executable, environment: environment, stdin: stdin ?? "")
    var ended = child.wait(timeout: timeout)
    if ended == nil {
        child.send(signal: SIGKILL)
        ended = child.wait(timeout: 30)
    }
    let end = ended ?? .init(status: SIGKILL, signaled: true)
    return ProcessOutput(status: end.status, stdout: child.stdout, stderr: child.stderr, signaled: end.signaled)
}
