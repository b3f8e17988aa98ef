import Factorization
import Foundation
import Reports
import SummaryStore
import Sweeps
import ZeroMQ

/// The one place that decides which exit status an error gives, for every command.
///
/// - 2: usage and input errors — what the user wrote or pointed at is wrong: flags and their values,
///   sweep files (`SweepError`), simulation parameters (`ParameterError`), queries (`QueryError`),
///   figures the sweep cannot have (`ReportError`, e.g. a heatmap of a sweep that varies one
///   parameter), store paths that are missing or not stores and unknown sweeps (`StoreError`),
///   missing or malformed key files and names (`CurveKeyError`), malformed endpoints (`ZMQError`
///   `EINVAL`, `EPROTONOSUPPORT`, `ENODEV`), output files in a directory that does not exist.
/// - 1: a valid request that failed while running: I/O and SQLite errors (a full disk), a store of
///   another schema version or parameter set, an address in use, a refused worker, a store whose
///   result rows name tasks it does not have (`store info`).
/// - Others are chosen by the command (`CommandFailure.status`): 3 failed tasks, 130/143 interrupted.
enum ExitStatus {
    /// Usage and input errors.
    static let input: Int32 = 2
    /// Failures while running a valid command.
    static let failure: Int32 = 1
    /// The store cannot be written (disk full, I/O error, read-only file; `StoreError.isWriteFailure`):
    /// what was committed before is kept, and the same command resumes once the cause is fixed.
    static let storeWrite: Int32 = 4

    /// The exit status for `error`.
    static func of(_ error: any Error) -> Int32 {
        switch error {
        case is UsageError, is SweepError, is ParameterError, is QueryError, is ReportError: return input
        case let e as CommandFailure: return e.status
        case let e as StoreError: return isInput(e) ? input : e.isWriteFailure ? storeWrite : failure
        case let e as CurveKeyError: return isInput(e) ? input : failure
        case let e as ZMQError: return [EINVAL, EPROTONOSUPPORT, ENODEV].contains(e.code) ? input : failure
        default: return failure
        }
    }

    /// Store errors caused by what the user named: a missing store or directory, a file that is not
    /// a store, an unknown sweep, a sweep file that would drop a stored sweep's tasks.
    static func isInput(_ e: StoreError) -> Bool {
        switch e {
        case .missingStore, .missingDirectory, .notAStore, .unknownSweep, .sweepChanged, .upgradeRequired: return true
        // .sqlite, .schemaVersion, .parameterColumns, .corruptValue, and any case added later until
        // it is listed above.
        default: return false
        }
    }

    /// Key errors caused by what the user named; reading or writing a key file that exists is I/O.
    static func isInput(_ e: CurveKeyError) -> Bool {
        if case .io = e { return false }
        return true
    }

    /// `error` as a `CommandFailure` with its message and status (for wrapping with more context).
    static func failure(_ error: any Error, context: String? = nil) -> CommandFailure {
        var message = String(describing: error)
        if let e = error as? StoreError, e.isWriteFailure {
            message +=
                "; results committed before this are kept: fix the cause and run the same command again to resume"
        }
        return CommandFailure(context.map { "\($0): \(message)" } ?? message, status: of(error))
    }
}
