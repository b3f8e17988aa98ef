import Factorization
import Testing

@testable import Sweeps

/// Limits that depend on two parameters are judged on the task's combination, never on one
/// value against the other's default: a large alpha is fine at depth 1 (α^N is the scale that
/// must stay ≤ 1e100), and refused at depth 3 with the position of a value in the file.
@Suite struct CombinationLimitTests {
    static func sweep(depth: Int) -> String {
        """
        name: big-alpha
        method: grid
        parameters:
          alpha: {values: [0.1, 1e40]}
          depth: {value: \(depth)}
        """
    }

    @Test func largeAlphaIsValidAtDepthOne() throws {
        let tasks = try SweepFile.parse(text: Self.sweep(depth: 1), fileName: "a.yaml").expand()
        #expect(tasks.map(\.config.alpha) == [0.1, 1e40])
    }

    @Test func largeAlphaIsRefusedAtDepthThreeAtAValueOfTheFile() throws {
        do {
            _ = try SweepFile.parse(text: Self.sweep(depth: 3), fileName: "a.yaml").expand()
            Issue.record("accepted")
        } catch {
            #expect(error.description.hasPrefix("a.yaml:5:18: depth: alpha^depth = 1e+40^3 exceeds 1e100"), "\(error)")
        }
    }
}
