import Foundation
import Testing

@testable import Reports

@Suite struct ScaleTests {
    @Test(arguments: [(0.17, 0.2), (500.0, 500.0), (7.0, 10.0), (1.0, 1.0), (0.0031, 0.005), (2.2, 5.0)])
    func niceSteps(raw: Double, expected: Double) {
        #expect(abs(Scale.niceStep(raw) - expected) < 1e-12 * expected)
    }

    @Test func linearTicksAreRoundMultiples() {
        let ticks = Scale(kind: .linear, domain: 0...1, range: (0, 100)).ticks(target: 5)
        #expect(ticks.count == 6)
        for (t, e) in zip(ticks, [0, 0.2, 0.4, 0.6, 0.8, 1.0]) { #expect(abs(t - e) < 1e-12) }
        #expect(
            Scale(kind: .linear, domain: 0...3000, range: (0, 1)).ticks(target: 6) == [
                0, 500, 1000, 1500, 2000, 2500, 3000,
            ])
    }

    @Test func niceDomainsEndOnTicks() {
        #expect(Scale.nice(0.3...9.7, kind: .linear, target: 6) == 0...10)
        // Round-off just above a tick must not add a whole step.
        #expect(Scale.nice(0...5.000000000000001, kind: .linear, target: 6) == 0...5)
        #expect(Scale.nice(3...4000, kind: .log) == 2...5000)
        #expect(Scale.nice(10...1000, kind: .log) == 10...1000)
        #expect(Scale.nice(0.7...90, kind: .log) == 0.5...100)
        #expect(Scale.nice(-7...(-2), kind: .linear, target: 5) == -7...(-2))
    }

    @Test func logTicksArePowersOfTen() {
        let ticks = Scale(kind: .log, domain: 1...1e6, range: (0, 1)).ticks()
        #expect(ticks.count == 7)
        for (i, t) in ticks.enumerated() { #expect(abs(t / pow(10, Double(i)) - 1) < 1e-12) }
    }

    @Test func shortLogDomainsGetIntermediateTicks() {
        let ticks = Scale(kind: .log, domain: 3...40, range: (0, 1)).ticks()
        #expect(ticks.count == 3)
        for (t, e) in zip(ticks, [5.0, 10, 20]) { #expect(abs(t - e) < 1e-9) }
    }

    @Test func veryWideLogDomainsAreThinned() {
        let ticks = Scale(kind: .log, domain: 1e-3...1e12, range: (0, 1)).ticks()
        // 16 decades, every 2nd power: 1e-3, 1e-1, …, 1e11.
        #expect(ticks.count == 8)
        #expect(abs(ticks[0] / 1e-3 - 1) < 1e-9)
        #expect(abs(ticks[7] / 1e11 - 1) < 1e-9)
    }

    @Test func positionsMapLinearlyAndLogarithmically() {
        let lin = Scale(kind: .linear, domain: 0...10, range: (100, 200))
        #expect(abs(lin.position(2.5) - 125) < 1e-12)
        let y = Scale(kind: .linear, domain: 0...10, range: (300, 100))
        #expect(abs(y.position(10) - 100) < 1e-12)
        let log = Scale(kind: .log, domain: 1...1000, range: (0, 300))
        #expect(abs(log.position(10) - 100) < 1e-9)
        #expect(!log.accepts(0) && !log.accepts(-1) && !log.accepts(.nan) && log.accepts(1e-300))
    }

    @Test func degenerateDomainsAreWidened() {
        let s = Scale(kind: .linear, domain: 3...3, range: (0, 1))
        #expect(s.domain.lowerBound < 3 && s.domain.upperBound > 3)
        let l = Scale(kind: .log, domain: 5...5, range: (0, 1))
        #expect(l.domain.lowerBound < 5 && l.domain.upperBound > 5)
    }

    @Test func linearLabelsUseOneUnitPerAxis() {
        #expect(TickFormat.labels([0, 0.5, 1], kind: .linear) == ["0", "0.5", "1"])
        #expect(TickFormat.labels([0, 2500, 5000, 7500, 10000], kind: .linear) == ["0", "2.5k", "5k", "7.5k", "10k"])
        #expect(TickFormat.labels([0, 1_000_000, 2_000_000], kind: .linear) == ["0", "1M", "2M"])
        #expect(TickFormat.labels([0, 0.0002, 0.0004], kind: .linear) == ["0", "2e-4", "4e-4"])
        #expect(TickFormat.labels([-1, 0, 1], kind: .linear) == ["-1", "0", "1"])
    }

    @Test func logLabels() {
        #expect(TickFormat.labels([0.01, 0.1, 1, 10, 100], kind: .log) == ["0.01", "0.1", "1", "10", "100"])
        #expect(TickFormat.labels([1, 1000, 1e6], kind: .log) == ["10⁰", "10³", "10⁶"])
        #expect(TickFormat.labels([1e-5, 2e-5], kind: .log) == ["10⁻⁵", "2×10⁻⁵"])
        #expect(TickFormat.labels([100, 1000, 10000], kind: .log) == ["100", "1000", "10k"])
    }

    @Test func tableNumbers() {
        #expect(TickFormat.number(1234) == "1234")
        #expect(TickFormat.number(0.12345) == "0.1235")
        #expect(TickFormat.number(2.5e-7) == "2.5e-07")
        #expect(TickFormat.number(.nan) == "NaN")
        #expect(TickFormat.subscriptDigits(12) == "₁₂")
        #expect(TickFormat.number(19_980.4) == "19980")
        #expect(TickFormat.number(2e15) == "2e+15")
    }

    @Test func meanAndSpread() {
        #expect(TickFormat.meanStd(2.532, 0.003713) == "2.5320 ± 0.0037")
        #expect(TickFormat.meanStd(484, 116.1) == "484 ± 116")
        #expect(TickFormat.meanStd(11480, 19880) == "11480 ± 19880")
        #expect(TickFormat.meanStd(0.4824, 0.02874) == "0.482 ± 0.029")
        #expect(TickFormat.meanStd(3.5, 0) == "3.5")
    }
}
