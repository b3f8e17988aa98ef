// dmfsweep command-line entry point: thin — parsing and dispatch only; the work lives in the modules.
import CSupport
import Cluster
import Foundation

// Line-buffered stdout, so progress and logs reach a parent process (or a pipe) in time.
dmf_line_buffer_stdout()
// Commands that handle SIGINT/SIGTERM install the real handler now, before any thread of ours
// starts and before any work (a signal during start-up waits for the command's watch instead of
// killing the process: OpenBLAS's threads, started before main, never block it), and keep the
// signals off our own threads; the watch thread unblocks them.
if CommandLine.arguments.count > 1, ["run", "coordinator", "worker"].contains(CommandLine.arguments[1]) {
    TerminationSignals.prepare()
}
exit(Dispatch.main(CommandLine.arguments))
