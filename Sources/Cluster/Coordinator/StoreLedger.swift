import Foundation
import SummaryStore
import Sweeps

/// The `TaskLedger` of a real sweep: the summary store is the single source of truth.
///
/// Also keeps the coordinator's live state (workers, rate, dropped messages) in the store's
/// `cluster_live` table (`SummaryStore.publishLiveState`), which `dmfsweep status` reads.
public final class StoreLedger: TaskLedger {
    private let store: SummaryStore
    private let sweep: String
    private let retryFailed: Bool
    private let kind: TaskKind
    private let claimOwner: String?

    /// A ledger for `sweep` (already registered in `store`).
    /// - Parameters:
    ///   - store: the summary store, used only on the coordinator's threads afterwards.
    ///   - sweep: the sweep's name.
    ///   - retryFailed: put failed tasks back to pending first (`--retry-failed`).
    ///   - kind: what workers run (`noop` only for the runtime benchmark).
    ///   - claimOwner: the owner of this coordinator's claim on the sweep (`SummaryStore.claimSweep`):
    ///     renewed with every live-state update, released with the last one.
    /// - Throws: nothing today (kept `throws` for source compatibility).
    public init(
        store: SummaryStore, sweep: String, retryFailed: Bool = false, kind: TaskKind = .simulate,
        claimOwner: String? = nil
    ) throws {
        self.store = store
        self.sweep = sweep
        self.retryFailed = retryFailed
        self.kind = kind
        self.claimOwner = claimOwner
    }

    /// See `TaskLedger.pendingTasks()`.
    ///
    /// Tasks left `running` by a coordinator that died are `pending` again: nobody runs them for
    /// this coordinator (their attempts are kept; starting one again counts one more).
    public func pendingTasks() throws -> [ScheduledTask] {
        if retryFailed { try store.resetFailed(sweep: sweep) }
        try store.resetRunning(sweep: sweep)
        return try store.unfinishedTasks(sweep: sweep).map { ScheduledTask(key: $0.key, kind: kind, config: $0.config) }
    }

    /// See `TaskLedger.doneCount()`.
    public func doneCount() throws -> Int { try store.statusCounts(sweep: sweep).done }

    /// See `TaskLedger.commit(_:)`.
    public func commit(_ batch: LedgerBatch) throws {
        try store.record(marks: batch.marks, completed: batch.completed, failed: batch.failed)
    }

    /// See `TaskLedger.checkpoint(final:)`: a passive WAL checkpoint while the run goes on (it
    /// never waits), a truncating one at the end.
    public func checkpoint(final: Bool) throws {
        try store.checkpoint(final ? .truncate : .passive)
    }

    /// See `TaskLedger.publish(_:)`.
    public func publish(_ state: LiveState) throws {
        try LiveStateTable.write(state, sweep: sweep, to: store)
        guard let claimOwner else { return }
        if state.phase.isActive {
            try store.renewClaim(sweep: sweep, owner: claimOwner, now: Date().timeIntervalSince1970)
        } else {
            try store.releaseClaim(sweep: sweep, owner: claimOwner)
        }
    }
}
