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

/// Runs a program to completion and captures its output; kills it after `timeout` seconds.
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
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe(), inp = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = inp
    let done = DispatchSemaphore(value: 0)
    p.terminationHandler = { _ in done.signal() }
    try p.run()
    if let stdin { inp.fileHandleForWriting.write(stdin.data(using: .utf8)!) }
    try? inp.fileHandleForWriting.close()
    // Read both pipes concurrently so a chatty child never blocks on a full pipe.
    let group = DispatchGroup()
    let box = OutputBox()
    DispatchQueue.global().async(group: group) { box.setOut(out.fileHandleForReading.readDataToEndOfFile()) }
    DispatchQueue.global().async(group: group) { box.setErr(err.fileHandleForReading.readDataToEndOfFile()) }
    if done.wait(timeout: .now() + timeout) == .timedOut {
        kill(p.processIdentifier, SIGKILL)
        done.wait()
    }
    group.wait()
    return ProcessOutput(
        status: p.terminationStatus, stdout: String(decoding: box.out, as: UTF8.self),
        stderr: String(decoding: box.err, as: UTF8.self), signaled: p.terminationReason == .uncaughtSignal)
}

/// Collects a child's output from two reader threads.
private final class OutputBox: @unchecked Sendable {
    // Safe: each field is written by exactly one reader thread and read only after `group.wait()`.
    var out = Data()
    var err = Data()
    func setOut(_ d: Data) { out = d }
    func setErr(_ d: Data) { err = d }
}
