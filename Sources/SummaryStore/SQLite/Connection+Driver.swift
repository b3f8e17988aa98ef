import Foundation

extension Connection: DatabaseDriver {
    var dialect: SQLDialect { SQLDialect(engine: .sqlite) }

    @discardableResult
    func run(_ sql: String, _ values: [DatabaseValue]) throws(StoreError) -> Int {
        try cached(sql).execute(values)
        return changes
    }

    func runEach(_ sql: String, _ rows: ArraySlice<[DatabaseValue]>) throws(StoreError) {
        let statement = try cached(sql)
        for values in rows { try statement.execute(values) }
    }

    func forEachRow(
        _ sql: String, _ values: [DatabaseValue], _ body: (Row) throws(StoreError) -> Void
    ) throws(StoreError) {
        let s = try cached(sql)
        try s.bind(values)
        defer { s.reset() }  // also when `body` throws: an active statement would pin a read snapshot
        let columns = s.columnCount
        while try s.step() { try body(Row(values: (0..<columns).map { s.value(at: $0) })) }
    }

    @discardableResult
    func inTransaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try transaction(.immediate, body)
    }
}
