// dmfsweep command-line entry point: thin — parsing and dispatch only; the work lives in the modules.
import CSupport
import Foundation

// Line-buffered stdout, so progress and logs reach a parent process (or a pipe) in time.
dmf_line_buffer_stdout()
exit(Dispatch.main(CommandLine.arguments))
