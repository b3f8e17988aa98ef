import Testing

@testable import Factorization

@Suite struct IntervalExtractionTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let values: [Double]
        let steps: [Int]
        /// Expected (first, last) indices, or nil.
        let expected: (Int, Int)?
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty trajectory", values: [], steps: [], expected: nil),
        Case(name: "nothing qualifies", values: [3, 3, 3], steps: [0, 10, 20], expected: nil),
        Case(name: "single point", values: [3, 2.05, 3], steps: [0, 10, 20], expected: (1, 1)),
        Case(name: "run touching the start", values: [2, 2, 3, 2], steps: [0, 10, 20, 30], expected: (0, 1)),
        Case(name: "run touching the end", values: [3, 2, 2, 2], steps: [0, 10, 20, 30], expected: (1, 3)),
        Case(name: "whole trajectory", values: [2, 2.1, 1.9], steps: [0, 5, 10], expected: (0, 2)),
        Case(
            name: "longest wins", values: [2, 3, 2, 2, 2, 3, 2, 2], steps: Array(stride(from: 0, to: 80, by: 10)),
            expected: (2, 4)),
        Case(name: "tie goes to the earliest", values: [2, 2, 3, 2, 2], steps: [0, 10, 20, 30, 40], expected: (0, 1)),
        Case(
            name: "length is in steps, not points (uneven recording)", values: [2, 2, 2, 3, 2, 2],
            steps: [0, 1, 2, 3, 10, 100], expected: (4, 5)),
        Case(name: "boundary |x − t| = tol counts", values: [3, 2.5, 1.5, 3], steps: [0, 1, 2, 3], expected: (1, 2)),
        Case(
            name: "equal step length: more points wins", values: [2, 2, 3, 2, 2, 2], steps: [0, 10, 11, 12, 20, 22],
            expected: (3, 5)),
    ]

    @Test(arguments: cases)
    func longestRun(_ c: Case) {
        let run = IntervalExtraction.longestRun(values: c.values, steps: c.steps, target: 2, tolerance: 0.5)
        if let e = c.expected {
            #expect(run == IntervalExtraction.Run(first: e.0, last: e.1))
        } else {
            #expect(run == nil)
        }
    }

    @Test func middleIndexPicksNearestAndEarlierOnTies() {
        let steps = [0, 10, 20, 30, 40, 50]
        #expect(IntervalExtraction.middleIndex(of: .init(first: 0, last: 4), steps: steps) == 2)  // middle 20
        #expect(IntervalExtraction.middleIndex(of: .init(first: 0, last: 5), steps: steps) == 2)  // 25: tie 20/30
        #expect(IntervalExtraction.middleIndex(of: .init(first: 3, last: 3), steps: steps) == 3)
        // Middle 50: step 1 is nearer than step 100.
        #expect(IntervalExtraction.middleIndex(of: .init(first: 0, last: 2), steps: [0, 1, 100]) == 1)
    }
}
