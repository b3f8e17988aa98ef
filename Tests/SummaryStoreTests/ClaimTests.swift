import Foundation
import Synchronization
import TestSupport
import Testing

@testable import SummaryStore

/// Coordinator claims (`SummaryStore.claimSweep`) on both engines: of many coordinators claiming
/// one sweep at the same moment, each through its own connection, exactly one wins.
@Suite struct ClaimTests {
    /// Opens another connection to the same store.
    static func reopen(_ store: SummaryStore) throws -> SummaryStore {
        try SummaryStore(location: store.location)
    }

    @Test(arguments: StoreEngine.allCases) func concurrentClaimsHaveExactlyOneWinner(engine: StoreEngine) throws {
        let (keep, store) = try Fixtures.store(engine: engine)
        defer { withExtendedLifetime(keep) {} }
        let claimants = 8
        let stores = try (0..<claimants).map { _ in try Self.reopen(store) }
        let winners = Mutex<[Int]>([])
        let failures = Mutex<[String]>([])
        for round in 0..<3 {
            let sweep = "sweep-\(round)"
            let start = DispatchSemaphore(value: 0)
            let group = DispatchGroup()
            for i in 0..<claimants {
                nonisolated(unsafe) let mine = stores[i]  // each store is used by this one thread only
                DispatchQueue.global().async(group: group) {
                    start.wait()
                    let claim = CoordinatorClaim(
                        sweep: sweep, owner: "c\(i)", host: "h", pid: i, heartbeat: Date().timeIntervalSince1970)
                    do {
                        if try mine.claimSweep(claim) == nil { winners.withLock { $0.append(i) } }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
            for _ in 0..<claimants { start.signal() }
            group.wait()
        }
        #expect(failures.withLock { $0 } == [])
        #expect(winners.withLock { $0.count } == 3)
    }

    @Test(arguments: StoreEngine.allCases) func claimsLapseRenewAndRelease(engine: StoreEngine) throws {
        let (keep, store) = try Fixtures.store(engine: engine)
        defer { withExtendedLifetime(keep) {} }
        let other = try Self.reopen(store)
        let now = Date().timeIntervalSince1970
        let a = CoordinatorClaim(sweep: "s", owner: "a", host: "h1", pid: 1, heartbeat: now)
        let b = CoordinatorClaim(sweep: "s", owner: "b", host: "h2", pid: 2, heartbeat: now)
        #expect(try store.claimSweep(a) == nil)
        #expect(try store.claimSweep(a) == nil)  // the holder may claim again
        #expect(try other.claimSweep(b)?.owner == "a")
        #expect(try other.renewClaim(sweep: "s", owner: "b", now: now) == false)
        // The holder is declared gone: taken over by compare-and-set.
        #expect(try other.claimSweep(b, takeOver: { $0.owner == "a" && $0.pid == 1 }) == nil)
        #expect(try store.renewClaim(sweep: "s", owner: "a", now: now) == false)
        // A lapsed claim is taken without asking.
        var late = a
        late.heartbeat = now + SummaryStore.claimExpiry + 1
        #expect(try store.claimSweep(late) == nil)
        try store.releaseClaim(sweep: "s", owner: "a")
        #expect(try other.claimSweep(b) == nil)
        // Claims are per sweep.
        #expect(
            try store.claimSweep(CoordinatorClaim(sweep: "t", owner: "a", host: "h1", pid: 1, heartbeat: now)) == nil)
    }
}
