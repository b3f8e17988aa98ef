import Foundation

/// A statistic `dmfsweep query --stats` computes over a group's values, in the database.
///
/// Percentiles use linear interpolation between closest ranks (Hyndman and Fan's type 7, the
/// default of numpy's `percentile`, R's `quantile` and pandas), computed as PostgreSQL's
/// `percentile_cont` computes it: for n sorted values v₀ ≤ … ≤ vₙ₋₁ and p in [0, 100], the fraction
/// `f = p / 100`, `x = f · (n − 1)` and the result is `v⌊x⌋ + (x − ⌊x⌋)(v⌈x⌉ − v⌊x⌋)`. The median is
/// `p50`. `std` is the sample standard deviation and `mean` the mean, both of the values in
/// ascending order (PostgreSQL's `stddev_samp(v ORDER BY v)`, `avg(v ORDER BY v)`; SQLite gets the
/// same functions, `Connection.registerAggregates`). `ci95` is two columns, `ci95_low` and
/// `ci95_high`: `mean ∓ t₀.₉₇₅,ₙ₋₁ · std / √n`.
public enum Statistic: Sendable, Hashable, CustomStringConvertible {
    /// The number of values.
    case count
    /// The arithmetic mean.
    case mean
    /// The sample standard deviation (n − 1 in the denominator).
    case std
    case min
    case max
    /// The 50th percentile.
    case median
    /// The p-th percentile, 0 ≤ p ≤ 100.
    case percentile(Double)
    /// The 95% confidence interval of the mean (Student's t), two columns.
    case ci95

    /// Today's default columns: count, mean, std, min, max, ci95.
    public static let defaults: [Statistic] = [.count, .mean, .std, .min, .max, .ci95]

    /// The accepted words, for messages.
    public static let words = "count, mean, std, min, max, median, pNN (a percentile, e.g. p10, p99.9), ci95"

    /// Parses `count`, `mean`, `std`, `min`, `max`, `median`, `pNN` or `ci95`.
    /// - Throws: `QueryError.unknownStatistic`.
    public init(parsing text: String) throws(QueryError) {
        switch text.lowercased() {
        case "count": self = .count
        case "mean": self = .mean
        case "std": self = .std
        case "min": self = .min
        case "max": self = .max
        case "median": self = .median
        case "ci95": self = .ci95
        case let word where word.hasPrefix("p"):
            guard let p = Double(word.dropFirst()), p.isFinite, (0...100).contains(p), !word.contains("e") else {
                throw QueryError.unknownStatistic(text)
            }
            self = .percentile(p)
        default: throw QueryError.unknownStatistic(text)
        }
    }

    /// The output column names (`ci95` has two).
    public var columns: [String] {
        switch self {
        case .count: return ["count"]
        case .mean: return ["mean"]
        case .std: return ["std"]
        case .min: return ["min"]
        case .max: return ["max"]
        case .median: return ["median"]
        case .percentile(let p): return [Self.percentileName(p)]
        case .ci95: return ["ci95_low", "ci95_high"]
        }
    }

    public var description: String { columns.count == 1 ? columns[0] : "ci95" }

    /// The percentile it needs (`median` is 50), if any.
    var percentile: Double? {
        switch self {
        case .median: return 50
        case .percentile(let p): return p
        default: return nil
        }
    }

    /// `p90`, `p99.9`: the shortest decimal form of p.
    static func percentileName(_ p: Double) -> String {
        p == p.rounded() ? "p" + String(Int(p)) : "p" + String(p)
    }

    /// The type-7 percentile of sorted values, as PostgreSQL's `percentile_cont(fraction)` (see the
    /// type's documentation; src/backend/utils/adt/orderedsetaggs.c), operation for operation.
    /// - Parameters:
    ///   - fraction: the percentile over 100, in [0, 1].
    ///   - sorted: the values in ascending order, at least one.
    static func percentileCont<Values: RandomAccessCollection<Double>>(_ fraction: Double, ofSorted sorted: Values)
        -> Double where Values.Index == Int
    {
        let x = fraction * Double(sorted.count - 1)
        let first = x.rounded(.down)
        let low = sorted[sorted.startIndex + Int(first)]
        if first == x.rounded(.up) { return low }
        let high = sorted[sorted.startIndex + Int(first) + 1]
        return low + (x - first) * (high - low)
    }
}
