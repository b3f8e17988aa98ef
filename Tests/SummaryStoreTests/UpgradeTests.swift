import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import SummaryStore

/// Stores written before a parameter existed gain its column, filled with the parameter's
/// default, on both engines; every task keeps its canonical form and key.
@Suite struct UpgradeTests {
    @Test(arguments: StoreEngine.allCases) func missingParameterColumnsAreAddedWithDefaults(engine: StoreEngine) throws
    {
        let (keep, store) = try Fixtures.store(engine: engine)
        defer { withExtendedLifetime(keep) {} }
        let tasks = Fixtures.grid(depths: [2, 3], alphas: [0.1], seeds: 2)
        try store.registerSweep(name: "s", spec: "", tasks: tasks)
        // An "older" store: written before `observed` and `measurements` existed.
        try store.database.run("ALTER TABLE tasks DROP COLUMN p_observed", [])
        try store.database.run("ALTER TABLE tasks DROP COLUMN p_measurements", [])

        let refused = #expect(throws: StoreError.self) { try SummaryStore(location: store.location, readOnly: true) }
        #expect(refused == .parameterColumns(path: store.path, missing: ["measurements", "observed"], extra: []))

        let upgraded = try SummaryStore(location: store.location, migrate: true)
        #expect(upgraded.upgrades.contains("added parameter column(s) measurements, observed"))
        let defaults = SimulationConfig()
        let observed = try upgraded.database.rows("SELECT DISTINCT p_observed FROM tasks").map { $0.double(at: 0) }
        #expect(observed == [defaults.observed])
        #expect(try upgraded.database.scalar("SELECT count(*) FROM tasks WHERE p_measurements IS NOT NULL") == 0)
        // Keys and canonical forms are those of the tasks as registered.
        let open = try upgraded.unfinishedTasks(sweep: "s")
        #expect(open.map { CanonicalForm.json(for: $0.config) } == tasks.map { CanonicalForm.json(for: $0.config) })
        let again = try SummaryStore(location: store.location, migrate: true)
        #expect(again.upgrades.isEmpty)
    }

    /// A version-3 store (trajectories without `product_norm` and `unobserved_max`), on both engines:
    /// refused by a reader, upgraded in place by a writer that may migrate; the trajectories stored
    /// before keep every value and read back without the two series, and results recorded after
    /// the upgrade store and read back both.
    @Test(arguments: StoreEngine.allCases) func versionThreeGainsTheTrajectorySeries(engine: StoreEngine) throws {
        let (keep, store) = try Fixtures.store(engine: engine)
        defer { withExtendedLifetime(keep) {} }
        let tasks = Fixtures.grid(depths: [2, 3], alphas: [0.1], seeds: 1)
        try store.registerSweep(name: "s", spec: "", tasks: tasks)
        let old = Fixtures.result(seed: 1)
        #expect(old.trajectory.allSatisfy { $0.productNorm != nil && $0.unobservedMax != nil })
        try store.recordResults([CompletedTask(key: tasks[0].key, result: old)])
        try Fixtures.downgradeToVersion3(store)
        #expect(try store.database.scalar("SELECT count(*) FROM trajectories")?.intValue == 1)

        let refused = #expect(throws: StoreError.self) { try SummaryStore(location: store.location, readOnly: true) }
        #expect(refused == .schemaVersion(path: store.path, found: 3, expected: SummaryStore.schemaVersion))
        let upgraded = try SummaryStore(location: store.location, migrate: true)
        #expect(upgraded.upgrades.contains("upgraded from schema version 3 to \(SummaryStore.schemaVersion)"))
        let before = try #require(try upgraded.result(for: tasks[0].key))
        var expected = old.trajectory
        for i in expected.indices {
            expected[i].productNorm = nil
            expected[i].unobservedMax = nil
        }
        #expect(before.trajectory == expected)
        let new = Fixtures.result(seed: 3)
        try upgraded.recordResults([CompletedTask(key: tasks[1].key, result: new)])
        #expect(try upgraded.result(for: tasks[1].key)?.trajectory == new.trajectory)
        let contents = try upgraded.sweepContents("s", trajectories: true)
        #expect(contents.compactMap(\.result?.trajectory) == [expected, new.trajectory])
        let again = try SummaryStore(location: store.location, migrate: true)
        #expect(again.upgrades.isEmpty)
    }

    /// A reader (`openForReading`) upgrades an older store it may write, through the same upgrade
    /// as a writer, and gets a read-only store; a current store is opened read-only, unchanged.
    @Test(arguments: StoreEngine.allCases) func readersUpgradeAnOlderStoreTheyMayWrite(engine: StoreEngine) throws {
        let (keep, store) = try Fixtures.store(engine: engine)
        defer { withExtendedLifetime(keep) {} }
        let tasks = Fixtures.grid(depths: [2, 3], alphas: [0.1], seeds: 2)
        try store.registerSweep(name: "s", spec: "", tasks: tasks)
        try store.database.run("ALTER TABLE tasks DROP COLUMN p_observed", [])

        let reader = try SummaryStore.openForReading(store.location)
        #expect(reader.upgrades.contains("added parameter column(s) observed"))
        #expect(try reader.database.scalar("SELECT count(*) FROM tasks WHERE p_observed IS NOT NULL") == 4)
        #expect(throws: StoreError.self) { try reader.database.run("UPDATE tasks SET p_observed = 0", []) }
        let again = try SummaryStore.openForReading(store.location)
        #expect(again.upgrades.isEmpty)
        // A store of a newer build is still refused, never "upgraded".
        try store.database.run("ALTER TABLE tasks ADD COLUMN p_future INTEGER", [])
        let refused = #expect(throws: StoreError.self) { try SummaryStore.openForReading(store.location) }
        #expect(refused == .parameterColumns(path: store.path, missing: [], extra: ["future"]))
    }

    /// The release-0.1 fixture (schema 1): upgraded in place after a backup that keeps version 1.
    @Test func releaseFixtureIsBackedUpAndUpgraded() throws {
        let (dir, path) = try ReleaseFixtureTests.copy()
        defer { withExtendedLifetime(dir) {} }
        let store = try SummaryStore(path: path, migrate: true)
        #expect(store.upgrades.first == "backed up to \(path).v1.bak")
        #expect(store.upgrades.contains("upgraded from schema version 1 to \(SummaryStore.schemaVersion)"))
        #expect(try ReleaseFixtureTests.sqlite3(path + ".v1.bak", "PRAGMA user_version") == ["1"])
        #expect(try ReleaseFixtureTests.sqlite3(path + ".v1.bak", "SELECT count(*) FROM results") == ["12"])
        let info = try store.info()
        #expect(info.schemaVersion == SummaryStore.schemaVersion)
        #expect(info.sweeps == 2 && info.tasks == 12 && info.results == 12)
        #expect(info.bytes > 50_000)
    }
}
