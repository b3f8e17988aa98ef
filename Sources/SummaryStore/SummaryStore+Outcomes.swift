import Foundation

extension SummaryStore {
    /// Records finished and failed tasks in ONE transaction (`recordResults` and `markFailed`
    /// together): a reader, or a coordinator restarted after a crash, sees the whole batch or none of it.
    /// - Parameters:
    ///   - completed: finished tasks (see `recordResults`).
    ///   - failed: failed attempts (see `markFailed`).
    /// - Returns: how many of each were written; unknown keys of both lists.
    /// - Throws: `StoreError.sqlite` (nothing of the batch is written then).
    @discardableResult
    public func record(_ completed: [CompletedTask], failed: [TaskFailure]) throws(StoreError) -> RecordSummary {
        try connection.transaction { () throws(StoreError) -> RecordSummary in
            var summary = RecordSummary(recorded: 0, unknown: [])
            if !completed.isEmpty {
                let done = try recordResults(completed)
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
