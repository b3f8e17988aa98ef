import Foundation
import SummaryStore

/// `dmfsweep store info|upgrade`: what a store is, and bringing an older one up to this build.
enum StoreCommand {
    static let command = Command(
        name: "store",
        summary: "show a store's engine, schema version, contents and size, or upgrade an older one",
        usage: "info|upgrade --store STORE [--format text|json]",
        discussion: """
            'store info' prints the engine (sqlite or postgresql), the store (a URI with its password
            masked), its schema version and this build's, the number of sweeps, tasks and results,
            and its size on disk, and checks that every row of the result tables (results,
            intervals, trajectories, recovery, rank_monotonicity) belongs to a task of the store;
            rows that do not are listed per table, and the exit status is then 1. Like every reader
            it upgrades an older store it may write first (announced on stderr, the old version
            named there), so it then shows this build's version.
            'store upgrade' brings a store written by an earlier dmfsweep to this build's schema in
            place: an SQLite file is first copied to FILE.vN.bak (N its old schema version); columns
            of parameters added since it was written get the parameters' defaults, so every stored
            task keeps its key. Every other command that opens an older store does the same on its
            own, announced in one line on stderr (readers too, when they may write the store; where
            they may not, they stop with exit status 2 and name this command).
            """,
        options: [
            OptionSpec(flag: "--store", valueName: "STORE", help: "summary store: a file or a postgresql:// URI"),
            OptionSpec(flag: "--format", valueName: "FORMAT", help: "text|json", defaultValue: "text"),
        ],
        run: run)

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let action = try args.positionals(exactly: 1, names: "action (info or upgrade)")[0]
        guard action == "info" || action == "upgrade" else {
            throw UsageError("unknown action '\(action)' for 'dmfsweep store' (expected 'info' or 'upgrade')")
        }
        let path = try args.required("--store")
        let json = try args.choice("--format", ["text", "json"]) == "json"
        let store = try open(path, upgrade: action == "upgrade")
        if action == "upgrade" {
            let lines =
                store.upgrades.isEmpty
                ? ["\(store.path): already at schema version \(SummaryStore.schemaVersion); nothing to upgrade"]
                : store.upgrades.map { "\(store.path): \($0)" }
            for line in lines { print(line) }
            return 0
        }
        let info: StoreInfo
        do {
            info = try store.info()
        } catch {
            throw StoreAccess.failure(error)
        }
        if json {
            let object: [String: Any] = [
                "engine": info.engine.rawValue, "store": info.location, "schema_version": info.schemaVersion,
                "build_schema_version": SummaryStore.schemaVersion, "engine_version": info.engineVersion,
                "sweeps": info.sweeps, "tasks": info.tasks, "results": info.results, "bytes": info.bytes,
                "orphan_rows": Dictionary(uniqueKeysWithValues: info.orphans.map { ($0.table, $0.rows) }),
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("store           \(info.location)")
            print("engine          \(info.engine.rawValue) \(info.engineVersion)")
            print("schema version  \(info.schemaVersion) (this dmfsweep: \(SummaryStore.schemaVersion))")
            print("sweeps          \(info.sweeps)")
            print("tasks           \(info.tasks) (\(info.results) with results)")
            print("size            \(ByteCountFormatter.string(fromByteCount: Int64(info.bytes), countStyle: .file))")
            print("orphan rows     \(orphanList(info.orphans) ?? "none")")
        }
        guard let orphans = orphanList(info.orphans) else { return 0 }
        // Rows no dmfsweep writes: the store was changed by something else. The answer above
        // stands (the store is still readable); the failure is one line and exit status 1.
        throw CommandFailure(
            "store \(info.location): result rows whose task is not in the store: \(orphans)",
            status: ExitStatus.failure)
    }

    /// `intervals 8, recovery 1`, or `nil` when there are none.
    private static func orphanList(_ orphans: [OrphanRows]) -> String? {
        orphans.isEmpty ? nil : orphans.map { "\($0.table) \($0.rows)" }.joined(separator: ", ")
    }

    /// Opens the store read-write and upgrading for `upgrade`; for `info` as every reader does
    /// (upgraded first, announced on stderr, when it is older and may be written).
    private static func open(_ path: String, upgrade: Bool) throws -> SummaryStore {
        guard !upgrade else {
            // What changed goes to stdout (the command's answer), not announced on stderr.
            do {
                return try SummaryStore(location: StoreLocation(path), migrate: true)
            } catch {
                throw StoreAccess.failure(error)
            }
        }
        return try StoreAccess.open(path, readOnly: true)
    }
}
