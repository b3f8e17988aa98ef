import Foundation
import TestSupport
import Testing

/// What must never be committed: `.gitignore` keeps keys, Slurm job outputs and stores out of git,
/// asked of git itself (`git check-ignore --no-index`, which also covers files already tracked).
@Suite struct RepositoryHygieneTests {
    @Test(arguments: [
        "dmfsweep-keys/coordinator.secret", "dmfsweep-keys/coordinator.pub", "dmfsweep-keys/authorized/worker.pub",
        "deploy/k8s/keys/worker.secret", "sub/dir/dmfsweep-keys/worker.secret", "dmfsweep-1234.out",
        "jobs/dmfsweep-77.out", "results.sqlite", "results.sqlite-wal", "results.sqlite-shm", "results.sqlite-journal",
        "report.html", ".build/x86_64-unknown-linux-gnu/x.o",
    ])
    func isIgnored(path: String) throws {
        let git = try #require(Self.git, "git is not installed")
        let out = try runProcess(
            ["-C", TestPaths.repositoryRoot.path, "check-ignore", "--no-index", "-q", path], executable: git)
        #expect(out.status == 0, "\(path) is not ignored: \(out.stderr)")
    }

    @Test(arguments: ["deploy/k8s/kustomization.yaml", "sweeps/quickstart.yaml", "docs/figures/staircase.svg"])
    func sourcesAreNotIgnored(path: String) throws {
        let git = try #require(Self.git, "git is not installed")
        let out = try runProcess(
            ["-C", TestPaths.repositoryRoot.path, "check-ignore", "--no-index", "-q", path], executable: git)
        #expect(out.status == 1, "\(path) is ignored")
    }

    static let git: URL? = ["/usr/bin/git", "/usr/local/bin/git", "/bin/git"].map(URL.init(fileURLWithPath:))
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }
}
