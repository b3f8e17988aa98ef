// dmfsweep command-line entry point: thin — parsing and dispatch only; the work lives in the modules.
import CSupport
import Cluster
import Foundation

// Line-buffered stdout, so progress and logs reach a parent process (or a pipe) in time.
dmf_line_buffer_stdout()
// A worker started by `run` dies with it: `run` passes its pid, and the kernel sends SIGKILL
// when the thread that spawned the worker ends (also when `run` is killed with SIGKILL). If `run`
// is already gone, there is nobody to work for.
if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "worker",
    let parent = ProcessInfo.processInfo.environment[WorkerParent.environmentVariable].flatMap({ Int32($0) })
{
    if dmf_die_with_parent(SIGKILL, parent) != 0 { dmf_flush_and_exit(1) }
}
// Commands that handle SIGINT/SIGTERM install the real handler now, before any thread of ours
// starts and before any work (a signal during start-up waits for the command's watch instead of
// killing the process: OpenBLAS's threads, started before main, never block it), and keep the
// signals off our own threads; the watch thread unblocks them.
if CommandLine.arguments.count > 1, ["run", "coordinator", "worker"].contains(CommandLine.arguments[1]) {
    TerminationSignals.prepare()
}
// Every command leaves with `_exit` after flushing, never `exit`: compute threads (a worker's,
// `run --inline`'s) may still be inside BLAS, and `exit` would run OpenBLAS's destructor, which
// then crashes or hangs for ever. Every resource that must be closed (stores, sockets) is closed
// by the command before it returns.
dmf_flush_and_exit(Dispatch.main(CommandLine.arguments))
