import Testing

@testable import SummaryStore

/// The engines return a query's rows in their own order (SQLite by its plan, PostgreSQL by a hash
/// join): a statistic must be a function of the group's values alone, or the same sweep gives
/// different last digits on the two engines (seen in CI: the mean of `final_loss` differed in the
/// 16th digit between `run` into PostgreSQL and `run --inline` into SQLite).
struct OrderIndependenceTests {
    /// Values whose floating-point sum depends on the order of addition.
    static let values: [Double] = [
        1.1243878333672532e-05, 3.7496100824329945e-05, 2.339362324521488e-08, 1e-3, 7.3e-9, 0.1, 1e16, -1e16,
        3.3, 2.2e-7, 5.5e-12, 1.0 / 3.0,
    ]

    func summary(_ values: [Double]) -> MetricSummary {
        var a = Accumulator()
        for v in values { a.add(v) }
        return MetricSummary(accumulator: a, percentiles: [50, 90])
    }

    @Test func everyStatisticIsBitIdenticalInEveryOrder() {
        let reference = summary(Self.values)
        var generator = SystemRandomNumberGenerator()
        var differentNaiveSums = 0
        for _ in 0..<200 {
            let shuffled = Self.values.shuffled(using: &generator)
            if shuffled.reduce(0, +) != Self.values.reduce(0, +) { differentNaiveSums += 1 }
            #expect(summary(shuffled) == reference)
        }
        // The data set does exercise order dependence: a plain running sum differs between orders.
        #expect(differentNaiveSums > 0)
    }

    @Test func meanAndStdMatchAnExactComputation() {
        // 1e8 + k/8 for k = 0…9 (exact doubles): mean 1e8 + 0.5625, sample variance (55/6)/64. The
        // textbook Σv² − n·mean² loses every digit of the variance here (Σv² ≈ 1e17, ulp 16).
        let values = (0..<10).map { 1e8 + Double($0) / 8 }
        let s = summary(values.reversed())
        #expect(s.mean == 1e8 + 0.5625)
        #expect(abs(s.std! - (55.0 / 6.0).squareRoot() / 8) < 1e-12)
        #expect(s.min == 1e8 && s.max == 1e8 + 9.0 / 8)
    }
}
