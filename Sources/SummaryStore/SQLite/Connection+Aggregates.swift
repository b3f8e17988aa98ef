import CSQLite
import Foundation

/// The aggregate functions the store's queries need and SQLite 3.40 lacks, registered on every
/// connection (`Connection.init`). Each computes what its PostgreSQL counterpart computes, with
/// the same floating-point operations in the same order, so that an aggregate query prints the
/// same digits on both engines:
///
/// | SQLite | PostgreSQL |
/// |---|---|
/// | `sorted_avg(v)` | `avg(v ORDER BY v)` |
/// | `sorted_stddev_samp(v)` | `stddev_samp(v ORDER BY v)` |
/// | `percentile_cont(v, f)` | `percentile_cont(f) WITHIN GROUP (ORDER BY v)` |
///
/// The mean and the standard deviation take the values in ascending order: a sum of doubles
/// depends on the order of its terms, and the two engines hand an aggregate its rows in different
/// orders, so only a fixed order gives the same last digit on both (and between two query plans).
/// Both use the Youngs–Cramer updating algorithm of PostgreSQL's `float8_accum`
/// (src/backend/utils/adt/float.c; Youngs and Cramer, Technometrics 13, 1971, analysed by Chan,
/// Golub and LeVeque, Am. Stat. 37, 1983): `Sx += v`, `Sxx += (n·v − Sx)² / (n(n − 1))`, which
/// does not cancel catastrophically when |mean| ≫ std. `percentile_cont` is PostgreSQL's
/// (src/backend/utils/adt/orderedsetaggs.c): for n sorted values and a fraction f in [0, 1],
/// `x = f·(n − 1)`, `lo = v[⌊x⌋]`, `hi = v[⌈x⌉]`, result `lo + (x − ⌊x⌋)(hi − lo)` — linear
/// interpolation between closest ranks (Hyndman and Fan's type 7, numpy's default).
///
/// NULL values are skipped; a group without values gives NULL, and so does the standard deviation
/// of fewer than two. Finite values whose sum overflows fail the query ("value out of range:
/// overflow"), as on PostgreSQL. Each group keeps its values (8 bytes each) in one growing
/// buffer, sorted in the final step unless they arrived in order.
extension Connection {
    /// Registers `sorted_avg`, `sorted_stddev_samp` and `percentile_cont` on this connection.
    /// - Throws: `StoreError.sqlite` when SQLite refuses a registration.
    func registerAggregates() throws(StoreError) {
        for function in SortedAggregate.allCases {
            let rc = sqlite3_create_function_v2(
                db, function.name, function.arguments, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                UnsafeMutableRawPointer(bitPattern: function.rawValue), nil, sortedAggregateStep,
                sortedAggregateFinal, nil)
            try check(rc, "registering the aggregate \(function.name)", db: db)
        }
    }
}

/// The aggregates over a group's sorted values; the raw value travels as the function's user data.
enum SortedAggregate: Int, CaseIterable {
    case average = 1
    case standardDeviation = 2
    case percentile = 3

    /// The SQL name.
    var name: String {
        switch self {
        case .average: return "sorted_avg"
        case .standardDeviation: return "sorted_stddev_samp"
        case .percentile: return "percentile_cont"
        }
    }

    /// The number of SQL arguments.
    var arguments: Int32 { self == .percentile ? 2 : 1 }
}

/// One group's state, in SQLite's aggregate context (zeroed memory: no values, in order so far).
private struct SortedValues {
    var values: UnsafeMutablePointer<Double>?
    var count: Int
    var capacity: Int
    /// Some value was smaller than the one before it.
    var unsorted: Bool
    /// `percentile_cont`'s fraction (its second argument, read with the first value).
    var fraction: Double
    /// The fraction was NULL (the result is NULL, as in PostgreSQL).
    var fractionIsNull: Bool
}

/// xStep: appends the value (NULLs are skipped).
private func sortedAggregateStep(
    _ context: OpaquePointer?, _ count: Int32, _ arguments: UnsafeMutablePointer<OpaquePointer?>?
) {
    guard let arguments, let argument = arguments[0], sqlite3_value_type(argument) != SQLITE_NULL else { return }
    guard let raw = sqlite3_aggregate_context(context, Int32(MemoryLayout<SortedValues>.stride)) else {
        sqlite3_result_error_nomem(context)
        return
    }
    let state = raw.bindMemory(to: SortedValues.self, capacity: 1)
    let value = sqlite3_value_double(argument)
    if state.pointee.count == 0, count > 1, let fraction = arguments[1] {
        state.pointee.fractionIsNull = sqlite3_value_type(fraction) == SQLITE_NULL
        state.pointee.fraction = sqlite3_value_double(fraction)
    }
    if state.pointee.count == state.pointee.capacity {
        let capacity = max(256, state.pointee.capacity * 2)
        guard let grown = realloc(state.pointee.values, capacity * MemoryLayout<Double>.stride) else {
            sqlite3_result_error_nomem(context)
            return
        }
        state.pointee.values = grown.assumingMemoryBound(to: Double.self)
        state.pointee.capacity = capacity
    }
    let values = state.pointee.values!
    let n = state.pointee.count
    if n > 0 && value < values[n - 1] { state.pointee.unsorted = true }
    values[n] = value
    state.pointee.count = n + 1
}

/// xFinal: sorts the values if needed, computes the function's result, frees the buffer. SQLite
/// calls it once for every group whose context exists, also when a statement is reset early.
private func sortedAggregateFinal(_ context: OpaquePointer?) {
    guard let raw = sqlite3_aggregate_context(context, 0) else {
        sqlite3_result_null(context)
        return
    }
    let state = raw.bindMemory(to: SortedValues.self, capacity: 1)
    defer {
        free(state.pointee.values)
        state.pointee.values = nil
        state.pointee.count = 0
        state.pointee.capacity = 0
    }
    guard let base = state.pointee.values, state.pointee.count > 0,
        let function = SortedAggregate(rawValue: Int(bitPattern: sqlite3_user_data(context)))
    else {
        sqlite3_result_null(context)
        return
    }
    var values = UnsafeMutableBufferPointer(start: base, count: state.pointee.count)
    if state.pointee.unsorted { values.sort() }
    switch function {
    case .average, .standardDeviation:
        guard let moments = YoungsCramer(values) else {
            sqlite3_result_error(context, "value out of range: overflow", -1)
            return
        }
        if function == .average {
            sqlite3_result_double(context, moments.sum / moments.count)
        } else if moments.count <= 1 {
            sqlite3_result_null(context)
        } else {
            sqlite3_result_double(context, (moments.squaredDeviations / (moments.count - 1)).squareRoot())
        }
    case .percentile:
        let fraction = state.pointee.fraction
        if state.pointee.fractionIsNull {
            sqlite3_result_null(context)
        } else if !(0...1).contains(fraction) {
            sqlite3_result_error(context, "percentile value \(fraction) is not between 0 and 1", -1)
        } else {
            sqlite3_result_double(context, Statistic.percentileCont(fraction, ofSorted: UnsafeBufferPointer(values)))
        }
    }
}

/// The count, sum and sum of squared deviations of values taken in order, by PostgreSQL's
/// `float8_accum` (see `Connection.registerAggregates`), operation for operation.
struct YoungsCramer {
    var count = 0.0
    var sum = 0.0
    var squaredDeviations = 0.0

    /// Accumulates `values` in order; `nil` when finite values overflow (PostgreSQL's
    /// "value out of range: overflow"). An infinite value makes the squared deviations NaN.
    init?<Values: Sequence>(_ values: Values) where Values.Element == Double {
        for v in values {
            let n = count + 1
            let sx = sum + v
            var sxx = squaredDeviations
            if count > 0 {
                let d = v * n - sx
                sxx += d * d / (n * count)
                if sx.isInfinite || sxx.isInfinite {
                    if !sum.isInfinite && !v.isInfinite { return nil }
                    sxx = .nan
                }
            } else if v.isNaN || v.isInfinite {
                sxx = .nan
            }
            count = n
            sum = sx
            squaredDeviations = sxx
        }
    }
}
