import Foundation
import Sweeps

extension SummaryStore {
    /// Records state changes, results and failures in ONE transaction: a reader, or a coordinator
    /// restarted after a crash, sees the whole batch or none of it.
    ///
    /// `marks` go first, in order (a task may start, be released and start again within one
    /// batch: `markRunning` / `markPending`), then `recordResults`, then `markFailed`.
    /// - Parameters:
    ///   - marks: starts and releases, in the order they happened.
    ///   - completed: finished tasks (see `recordResults`).
    ///   - failed: failed attempts (see `markFailed`).
    /// - Returns: how many results and failures were written; unknown keys of both lists.
    /// - Throws: `StoreError` (nothing of the batch is written then).
    @discardableResult
    public func record(
        marks: [TaskMark] = [], completed: [CompletedTask] = [], failed: [TaskFailure] = []
    ) throws(StoreError) -> RecordSummary {
        try withResultRowKeysByConstruction { () throws(StoreError) -> RecordSummary in
            try record(inTransaction: marks, completed: completed, failed: failed)
        }
    }

    private func record(
        inTransaction marks: [TaskMark], completed: [CompletedTask], failed: [TaskFailure]
    ) throws(StoreError) -> RecordSummary {
        try database.inTransaction { () throws(StoreError) -> RecordSummary in
            // Runs of starts and of releases, in order.
            var starts: [TaskStart] = []
            var releases: [TaskKey] = []
            for mark in marks {
                switch mark {
                case .started(let s):
                    if !releases.isEmpty { try markPending(releases) }
                    releases.removeAll()
                    starts.append(s)
                case .released(let key):
                    if !starts.isEmpty { try markRunning(starts) }
                    starts.removeAll()
                    releases.append(key)
                }
            }
            try markRunning(starts)
            try markPending(releases)
            var summary = RecordSummary(recorded: 0, unknown: [])
            if !completed.isEmpty {
                let done = try recordResults(inTransaction: completed)
                summary.recorded += done.recorded
                summary.unknown += done.unknown
            }
            if !failed.isEmpty {
                let marked = try markFailed(failed)
                summary.recorded += marked.recorded
                summary.unknown += marked.unknown
            }
            return summary
        }
    }
}
