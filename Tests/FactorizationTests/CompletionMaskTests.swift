import Foundation
import Testing

@testable import Factorization

/// Degenerate completion masks: known from the seed before any step, refused when they observe
/// nothing, counted (observed entries, unobserved rows and columns) otherwise.
@Suite struct CompletionMaskTests {
    /// The mask drawn independently from the documented rule: entry (i, j) observed when the
    /// `mask` stream's uniform draw in column-major order is below p.
    static func reference(seed: UInt64, n: Int, p: Double) -> [[Bool]] {
        var stream = RandomStream(seed: seed, purpose: .mask)
        var observed = [[Bool]](repeating: [Bool](repeating: false, count: n), count: n)
        for j in 0..<n {
            for i in 0..<n { observed[i][j] = stream.uniform() < p }
        }
        return observed
    }

    @Test(arguments: [(UInt64(0), 4, 0.3), (1, 4, 0.3), (7, 6, 0.1), (3, 10, 0.5), (11, 1, 0.9), (5, 3, 1.0)])
    func countsMatchTheDocumentedDraw(seed: UInt64, n: Int, p: Double) {
        let mask = CompletionMask(seed: seed, n: n, probability: p)
        let ref = Self.reference(seed: seed, n: n, p: p)
        #expect(mask.observedEntries == ref.joined().filter { $0 }.count)
        #expect(mask.unobservedRows == (0..<n).filter { i in !ref[i].contains(true) }.count)
        #expect(mask.unobservedColumns == (0..<n).filter { j in !(0..<n).contains { ref[$0][j] } }.count)
        #expect(mask.entries == (0..<(n * n)).map { ref[$0 % n][$0 / n] ? 1.0 : 0.0 })
        #expect(mask.unobservedLines == mask.unobservedRows + mask.unobservedColumns)
    }

    /// A mask that observes nothing makes the loss 0 from step 0 ("converged at step 0" before):
    /// the configuration is refused, naming `observed`, the seed and the size.
    @Test func aMaskThatObservesNothingIsRefused() throws {
        var config = SimulationConfig()
        config.problem = .completion
        config.n = 2
        config.spectrum = [1, 0.5]
        config.observed = 0.01
        config.steps = 10
        let seed = try #require(
            (0..<50).first { !Self.reference(seed: UInt64($0), n: 2, p: 0.01).joined().contains(true) })
        config.seed = UInt64(seed)
        let error = #expect(throws: ParameterError.self) { try config.validate() }
        #expect(error?.parameter == "observed")
        #expect(
            error?.message
                == "the completion mask of seed \(seed) observes none of the 2×2 entries (each kept with probability "
                + "0.01): the loss is 0 from step 0 and there is nothing to fit; raise observed or n, or use another seed"
        )
        #expect(throws: ParameterError.self) { try Simulation.run(config) }
        // Another seed whose mask observes something runs, and reports its mask.
        let other = try #require(
            (0..<500).first { Self.reference(seed: UInt64($0), n: 2, p: 0.01).joined().contains(true) })
        config.seed = UInt64(other)
        let result = try Simulation.run(config)
        let ref = Self.reference(seed: UInt64(other), n: 2, p: 0.01)
        #expect(result.observedEntries == ref.joined().filter { $0 }.count)
        #expect(result.unobservedLines ?? 0 >= 2)  // at most 1 of 4 entries: a row and a column are empty
    }

    @Test func onlyCompletionResultsCarryAMask() throws {
        var config = SimulationConfig()
        config.steps = 10
        let estimation = try Simulation.run(config)
        #expect(estimation.observedEntries == nil && estimation.unobservedLines == nil)
        config.problem = .completion
        config.observed = 1
        let full = try Simulation.run(config)
        #expect(full.observedEntries == 25 && full.unobservedLines == 0)
    }

    /// A rows×n mask is drawn in the same column-major order as the square one (rows·n draws).
    @Test(arguments: [(UInt64(2), 3, 5, 0.4), (9, 6, 2, 0.3), (4, 1, 7, 0.5)])
    func rectangularCountsMatchTheDocumentedDraw(seed: UInt64, rows: Int, n: Int, p: Double) {
        let mask = CompletionMask(seed: seed, rows: rows, n: n, probability: p)
        var stream = RandomStream(seed: seed, purpose: .mask)
        let ref = (0..<(rows * n)).map { _ in stream.uniform() < p }
        #expect(mask.entries == ref.map { $0 ? 1.0 : 0.0 })
        #expect(mask.observedEntries == ref.filter { $0 }.count)
        #expect(mask.unobservedRows == (0..<rows).filter { i in !(0..<n).contains { ref[i + $0 * rows] } }.count)
        #expect(mask.unobservedColumns == (0..<n).filter { j in !(0..<rows).contains { ref[$0 + j * rows] } }.count)
    }

    /// A mask file is the mask: its counts are the file's, the seed draws nothing, and a file of
    /// zeros is refused naming `mask` (not `observed`, which it does not use).
    @Test func aMaskFileIsCountedAndAnAllZeroOneRefused() throws {
        var config = SimulationConfig()
        config.problem = .completion
        config.symmetric = false
        config.rows = 2
        config.n = 3
        config.steps = 5
        // Observes 3 of 6 entries; column 3 is never observed.
        config.mask = MatrixValue(
            matrix: Matrix(rowMajor: [[1, 0, 0], [1, 1, 0]]), sha256: String(repeating: "a", count: 64))
        let mask = try #require(CompletionMask(config))
        #expect(mask.observedEntries == 3 && mask.unobservedRows == 0 && mask.unobservedColumns == 1)
        let result = try Simulation.run(config)
        #expect(result.observedEntries == 3 && result.unobservedLines == 1)
        config.mask = MatrixValue(matrix: Matrix(rows: 2, columns: 3), sha256: String(repeating: "b", count: 64))
        let error = #expect(throws: ParameterError.self) { try config.validate() }
        #expect(error?.parameter == "mask")
        #expect(
            error?.message
                == "observes none of the 2×3 entries (all 0): the loss is 0 from step 0 and there is nothing to fit")
    }
}
