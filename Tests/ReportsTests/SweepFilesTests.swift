import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import Reports

/// The shipped experiments in `sweeps/`: each parses with the real sweep parser, expands to the
/// documented number of valid tasks, and says at its top what it asks, what to expect and how long it runs.
@Suite struct SweepFilesTests {
    static let expected: [(file: String, tasks: Int)] = [
        ("quickstart.yaml", 36), ("staircase.yaml", 4), ("depth-amplification.yaml", 12), ("random-init.yaml", 60),
        ("sensing.yaml", 25), ("completion.yaml", 20), ("denoising.yaml", 45), ("stability.yaml", 90),
        ("arora2019-completion.yaml", 105), ("razin-cohen2020.yaml", 3),
    ]

    /// Full-path limits per task (largest n, largest steps · depth · n³): small everywhere except
    /// the reproduction of Arora et al. 2019, whose effect needs a 50×50 target (its header gives
    /// the measured runtime: 105 tasks in about 2.5 minutes on 2 cores).
    static func fullPathLimits(_ file: String) -> (n: Int, cost: Int) {
        file == "arora2019-completion.yaml" ? (50, 10_000_000_000) : (20, 200_000_000)
    }

    static func path(_ file: String) -> String {
        TestPaths.repositoryRoot.appendingPathComponent("sweeps").appendingPathComponent(file).path
    }

    @Test(arguments: expected.map(\.file))
    func parsesExpandsAndValidates(file: String) throws {
        let spec = try SweepFile.load(path: Self.path(file))
        #expect(spec.name + ".yaml" == file)
        let tasks = try spec.expand()
        #expect(tasks.count == Self.expected.first { $0.file == file }!.tasks)
        for t in tasks { try t.config.validate() }
        #expect(Set(tasks.map(\.key)).count == tasks.count)
    }

    @Test(arguments: expected.map(\.file))
    func documentsQuestionPictureAndRuntime(file: String) throws {
        let text = try String(contentsOfFile: Self.path(file), encoding: .utf8)
        let header = text.split(separator: "\n").prefix { $0.hasPrefix("#") }.joined(separator: "\n")
        for field in ["# Question:", "# Expected picture:", "# Runtime:"] {
            #expect(header.contains(field), "\(file) lacks \(field)")
        }
        #expect(SweepRecords(name: file, specText: text, tasks: []).question?.hasSuffix("?") == true)
    }

    @Test func everyShippedSweepIsListed() throws {
        let files = try FileManager.default.contentsOfDirectory(
            atPath: TestPaths.repositoryRoot.appendingPathComponent("sweeps").path
        )
        .filter { $0.hasSuffix(".yaml") }
        #expect(Set(files) == Set(Self.expected.map(\.file)))
    }

    /// Identity-init estimation sweeps stay on the exact spectral path; full-path sweeps keep n small.
    @Test func runtimesStaySane() throws {
        for (file, _) in Self.expected {
            for t in try SweepFile.load(path: Self.path(file)).expand() {
                let c = t.config
                if c.path == .full || !c.spectralIsExact {
                    let limits = Self.fullPathLimits(file)
                    #expect(c.resolvedN <= limits.n, "\(file): full path with n = \(c.resolvedN)")
                    #expect(
                        c.steps * c.depth * c.resolvedN * c.resolvedN * c.resolvedN <= limits.cost,
                        "\(file): too costly")
                }
                #expect(c.steps / c.recordEvery <= 20_000, "\(file): too many recorded steps")
            }
        }
    }
}
