import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import SummaryStore

/// CSV and JSON output parsed back and compared with what was written.
@Suite struct OutputTests {
    /// An RFC 4180 reader (quotes, doubled quotes, commas inside quotes).
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" {
                        field.append("\"")
                        chars.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(c)
            }
        }
        return rows
    }

    /// Foundation's JSON parser on Linux is not correctly rounded (it can be 1–2 ulp off), so JSON
    /// numbers are compared to 1e-15 relative; the CSV tests check exact round-trips.
    private func same(_ json: Any?, _ value: Double?) -> Bool {
        guard let a = (json as? NSNumber)?.doubleValue, let b = value else { return false }
        return abs(a - b) <= 1e-15 * abs(b)
    }

    private func rawOutput(_ store: SummaryStore, _ query: RawQuery, format: OutputFormat) throws -> String {
        var text = ""
        var writer: TableWriter? = nil
        try store.raw(
            query,
            header: {
                writer = TableWriter(columns: $0, format: format, listColumns: RawQuery.listColumns) { text += $0 }
            },
            row: { writer?.add($0) })
        writer?.finish()
        return text
    }

    private func storeWithResults() throws -> (TemporaryDirectory, SummaryStore, [SweepTask], [SimulationResult]) {
        let (dir, store) = try Fixtures.store()
        let tasks = Fixtures.grid(depths: [2, 3], alphas: [0.01, 1.0 / 3.0], seeds: 3)
        try store.registerSweep(name: "s", spec: "", tasks: tasks)
        let results = tasks.indices.map { Fixtures.result(seed: $0, noisy: $0 % 2 == 0) }
        try store.recordResults(zip(tasks, results).map { CompletedTask(key: $0.key, result: $1) })
        return (dir, store, tasks, results)
    }

    @Test func rawCSVRoundTripsEveryValue() throws {
        let (_, store, tasks, results) = try storeWithResults()
        let rows = Self.parseCSV(try rawOutput(store, RawQuery(sweep: "s"), format: .csv))
        let header = try #require(rows.first)
        #expect(header.contains("r3_length") && !header.contains("r4_length"))
        #expect(Set(header).count == header.count, "column names must be unique for pandas")
        #expect(rows.count == tasks.count + 1)
        func col(_ row: [String], _ name: String) -> String { row[header.firstIndex(of: name)!] }
        for (row, (task, result)) in zip(rows.dropFirst(), zip(tasks, results)) {
            #expect(col(row, "key") == task.key.hex)
            #expect(Int(col(row, "depth")) == task.config.depth)
            #expect(Double(col(row, "alpha")) == task.config.alpha)  // 1/3 survives exactly
            #expect(col(row, "spectrum") == "10.0,5.0,2.5")
            #expect(col(row, "stop_loss") == (task.config.stopLoss.map { String($0) } ?? ""))
            #expect(Double(col(row, "final_loss")) == result.finalLoss)
            #expect(Double(col(row, "best_clean_error")) == result.bestCleanError)
            #expect(col(row, "status") == result.status.rawValue)
            #expect(Int(col(row, "steps_run")) == result.steps && Int(col(row, "steps")) == task.config.steps)
            #expect(col(row, "path_used") == "spectral" && col(row, "path") == "auto")
            for iv in result.intervals {
                #expect(Int(col(row, "r\(iv.rank)_length")) == iv.length)
                #expect(Int(col(row, "r\(iv.rank)_start")) == iv.start)
                #expect(Double(col(row, "r\(iv.rank)_target")) == iv.target)
            }
            #expect(Double(col(row, "r1_predicted_start")) == result.predicted[0].start)
            #expect(col(row, "r3_predicted_end") == "")
        }
    }

    @Test func rawJSONRoundTripsAndHonoursRankAndFilters() throws {
        let (_, store, tasks, results) = try storeWithResults()
        let text = try rawOutput(
            store, RawQuery(filters: [try Filter(parsing: "depth=3")], rank: 2), format: .json)
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        let expected = zip(tasks, results).filter { $0.0.config.depth == 3 }
        #expect(objects.count == expected.count)
        for (object, (task, result)) in zip(objects, expected) {
            #expect(object["key"] as? String == task.key.hex)
            #expect(object["r1_length"] == nil && object["r3_length"] == nil)
            #expect((object["r2_length"] as? NSNumber)?.intValue == result.intervals[1].length)
            #expect(same(object["final_erank"], result.finalErank))
            #expect(same(object["alpha"], task.config.alpha))
            #expect((object["n"] as? NSNumber)?.intValue == 3)  // resolved from the spectrum
            #expect(object["rank"] is NSNull)
            // A list parameter is a JSON array of numbers, not the CSV column's text.
            let spectrum = try #require(object["spectrum"] as? [Any], "spectrum: \(object["spectrum"] ?? "absent")")
            #expect(spectrum.map { ($0 as? NSNumber)?.doubleValue } == [10, 5, 2.5])
        }
    }

    @Test func aggregateJSONAndCSVCarryTheSameNumbers() throws {
        let (_, store, _, _) = try storeWithResults()
        let table = try store.aggregate(
            try AggregateQuery(groupBy: ["alpha"], metric: Metric(parsing: "final_loss")))
        var json = ""
        var csv = ""
        var w1 = TableWriter(columns: table.columns, format: .json) { json += $0 }
        var w2 = TableWriter(columns: table.columns, format: .csv) { csv += $0 }
        for row in table.cells {
            w1.add(row)
            w2.add(row)
        }
        w1.finish()
        w2.finish()
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        let rows = Self.parseCSV(csv)
        #expect(rows.first == ["alpha", "count", "mean", "std", "min", "max", "ci95_low", "ci95_high"])
        #expect(objects.count == table.rows.count && rows.count == table.rows.count + 1)
        for (i, r) in table.rows.enumerated() {
            #expect(same(objects[i]["mean"], r.mean))
            #expect(same(objects[i]["ci95_high"], r.ciHigh))
            #expect(Double(rows[i + 1][2]) == r.mean && Double(rows[i + 1][7]) == r.ciHigh)
            #expect(Int(rows[i + 1][1]) == r.count)
        }
    }

    @Test func writerEscapesAndMarksMissingValues() {
        var csv = ""
        var json = ""
        var table = ""
        let cols = ["a", "b"]
        var w1 = TableWriter(columns: cols, format: .csv) { csv += $0 }
        var w2 = TableWriter(columns: cols, format: .json) { json += $0 }
        var w3 = TableWriter(columns: cols, format: .table) { table += $0 }
        for w in [0, 1, 2] {
            let row: [DatabaseValue] = [.text("x,\"y\"\n"), .null]
            if w == 0 { w1.add(row) } else if w == 1 { w2.add(row) } else { w3.add([.real(1.0 / 3.0), .null]) }
        }
        w1.finish()
        w2.finish()
        w3.finish()
        #expect(csv == "a,b\n\"x,\"\"y\"\"\n\",\n")
        #expect(json == "[\n  {\"a\": \"x,\\\"y\\\"\\n\", \"b\": null}\n]\n")
        #expect(table == "       a  b\n0.333333  -\n")
        var empty = ""
        var w4 = TableWriter(columns: cols, format: .json) { empty += $0 }
        w4.finish()
        #expect(empty == "[]\n")
    }
}
