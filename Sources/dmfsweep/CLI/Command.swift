import Foundation

/// A command-line usage or input error: printed as one line on stderr, exit status 2.
struct UsageError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// A failure while running a valid command (I/O, a store of another version, …): exit status 1
/// unless `status` says otherwise.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    var status: Int32 = 1
    init(_ message: String, status: Int32 = 1) {
        self.message = message
        self.status = status
    }
    var description: String { message }
}

/// One option a command accepts.
struct OptionSpec: Sendable {
    /// The flag, with dashes: `--record-every`.
    let flag: String
    /// Placeholder for the value (`N`, `FILE`); `nil` for a boolean switch.
    let valueName: String?
    /// One line of help.
    let help: String
    /// The default, shown in `--help`.
    var defaultValue: String? = nil
    /// Whether it may be given several times (`--where`).
    var repeatable: Bool = false
}

/// A subcommand: its name, help, options and the function that runs it.
struct Command: Sendable {
    let name: String
    /// One line for `dmfsweep --help`.
    let summary: String
    /// Usage line after `dmfsweep NAME`, e.g. `SWEEP.yaml [options]`.
    let usage: String
    /// Longer description for `dmfsweep NAME --help` (may be empty).
    var discussion: String = ""
    let options: [OptionSpec]
    /// Runs the command and returns the process exit status.
    let run: @Sendable (ParsedArguments) throws -> Int32

    /// The `--help` text.
    var help: String {
        var lines = ["usage: dmfsweep \(name) \(usage)", "", summary]
        if !discussion.isEmpty { lines += ["", discussion] }
        if !options.isEmpty {
            lines += ["", "options:"]
            let shown = options.map { o in o.valueName.map { "\(o.flag) \($0)" } ?? o.flag }
            let width = min(max(shown.map(\.count).max() ?? 0, 12), 30)
            for (o, s) in zip(options, shown) {
                var text = o.help
                if let d = o.defaultValue { text += " (default: \(d))" }
                if o.repeatable { text += " [repeatable]" }
                let pad = s.count < width ? String(repeating: " ", count: width - s.count) : ""
                lines.append("  \(s)\(pad)  \(text)")
            }
        }
        lines.append("  --help" + String(repeating: " ", count: max(width(options) - 6, 0)) + "  show this help")
        return lines.joined(separator: "\n")
    }

    private func width(_ options: [OptionSpec]) -> Int {
        let shown = options.map { o in o.valueName.map { "\(o.flag) \($0)" } ?? o.flag }
        return min(max(shown.map(\.count).max() ?? 0, 12), 30)
    }
}
