import Foundation
import SummaryStore

/// `dmfsweep sweeps`: the sweeps in a store, with their progress.
enum SweepsCommand {
    static let command = Command(
        name: "sweeps",
        summary: "list the sweeps in a store with their progress",
        usage: "--store STORE [--format table|csv|json]",
        options: [
            OptionSpec(flag: "--store", valueName: "STORE", help: "summary store: a file or a postgresql:// URI"),
            OptionSpec(flag: "--format", valueName: "table|csv|json", help: "output format", defaultValue: "table"),
        ],
        run: run)

    static func run(_ args: ParsedArguments) throws -> Int32 {
        _ = try args.positionals(exactly: 0, names: "nothing")
        let path = try args.required("--store")
        let format =
            try args.choice("--format", OutputFormat.allCases.map(\.rawValue)).flatMap(OutputFormat.init) ?? .table
        let store = try StoreAccess.open(path, readOnly: true)
        let sweeps: [SweepSummary]
        do {
            sweeps = try store.sweeps()
        } catch {
            throw StoreAccess.failure(error)
        }
        let time = ISO8601DateFormatter()
        let out = BufferedOutput()
        defer { out.flush() }
        var writer = TableWriter(
            columns: ["name", "tasks", "done", "running", "pending", "failed", "progress", "created", "updated"],
            format: format, write: out.write)
        for s in sweeps {
            let c = s.counts
            let progress =
                format == .table
                ? DatabaseValue.text(String(format: "%.1f%%", 100 * c.progress)) : DatabaseValue.real(c.progress)
            writer.add([
                .text(s.name), .integer(c.total), .integer(c.done), .integer(c.running), .integer(c.pending),
                .integer(c.failed), progress, .text(time.string(from: s.created)), .text(time.string(from: s.updated)),
            ])
        }
        writer.finish()
        return 0
    }
}
