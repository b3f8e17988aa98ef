import Foundation
import Sweeps

/// Top-level dispatch: `dmfsweep COMMAND [options]`.
enum Dispatch {
    /// Every command, in the order `dmfsweep --help` lists them.
    /// Each command lives in `Commands/<Name>Command.swift` as `static let command`.
    static let commands: [Command] = [
        // Issue 3
        SimulateCommand.command,
        // Issue 4: PlanCommand, RunCommand (--inline), QueryCommand, SweepsCommand
        PlanCommand.command,
        RunCommand.command,
        QueryCommand.command,
        SweepsCommand.command,
        ExportCommand.command,
        // Issue 5: CoordinatorCommand, WorkerCommand, StatusCommand, KeysCommand
        CoordinatorCommand.command,
        WorkerCommand.command,
        StatusCommand.command,
        KeysCommand.command,
        // Issue 7
        PlotCommand.command,
        ReportCommand.command,
        // Issue 11
        StoreCommand.command,
    ]

    static var help: String {
        var lines = [
            "usage: dmfsweep COMMAND [options]", "",
            "Sweeps of gradient descent on deep matrix factorizations: early-stopping intervals at scale.", "",
            "commands:",
        ]
        let width = (commands.map(\.name.count).max() ?? 8) + 2
        for c in commands {
            lines.append("  " + c.name + String(repeating: " ", count: width - c.name.count) + c.summary)
        }
        lines += ["", "Run 'dmfsweep COMMAND --help' for a command's options and defaults."]
        return lines.joined(separator: "\n")
    }

    /// Runs the command line and returns the exit status. Errors become one line on stderr.
    static func main(_ argv: [String]) -> Int32 {
        let args = Array(argv.dropFirst())
        guard let name = args.first, name != "--help", name != "-h", name != "help" else {
            print(help)
            return args.isEmpty ? 2 : 0
        }
        if name == "--version" {
            print("dmfsweep \(Version.string)")
            return 0
        }
        guard let command = commands.first(where: { $0.name == name }) else {
            var message = "unknown command '\(name)'"
            if let near = Suggestion.closest(to: name, among: commands.map(\.name)) {
                message += " (did you mean '\(near)'?)"
            }
            return fail(message + "; see 'dmfsweep --help'", status: 2)
        }
        let rest = Array(args.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            print(command.help)
            return 0
        }
        do {
            let parsed = try ParsedArguments(rest, for: command)
            return try command.run(parsed)
        } catch {
            // Every command's errors get their status in one place (`ExitStatus`).
            return fail(String(describing: error), status: ExitStatus.of(error))
        }
    }

    /// Prints `dmfsweep: error: MESSAGE` on stderr (one line) and returns `status`.
    static func fail(_ message: String, status: Int32) -> Int32 {
        let line = "dmfsweep: error: " + message.replacingOccurrences(of: "\n", with: " ") + "\n"
        FileHandle.standardError.write(line.data(using: .utf8)!)
        return status
    }
}

/// The version printed by `--version` and recorded in reports.
enum Version {
    static let string = "0.1.0"
}
