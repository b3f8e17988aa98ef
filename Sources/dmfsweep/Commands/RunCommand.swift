import Foundation

/// `dmfsweep run`: runs a sweep on this machine. (Distributed part; `--inline` comes from the
/// store's inline runner.)
enum RunCommand {
    static let command = Command(
        name: "run", summary: "run a sweep on this machine and store the results",
        usage: "SWEEP.yaml --store FILE [--workers K] [options]",
        discussion: """
            Starts a coordinator in this process and K worker processes ('dmfsweep worker'), shows
            progress (a bar on a terminal, a line every few seconds otherwise), and stops them at the end.
            Tasks already done in the store are skipped; adding parameters to a sweep and re-running runs
            only the new tasks. Ctrl-C: no new tasks, running ones finish (--grace), exit resumable; a
            second Ctrl-C exits at once. Exit status: 0 all done, 3 some tasks failed, 130 interrupted.
            """,
        options: SweepSession.options + LocalCluster.options,
        run: run)

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let sweepPath = try args.positionals(exactly: 1, names: "SWEEP.yaml")[0]
        return try LocalCluster.run(args, sweepPath: sweepPath)
    }
}
