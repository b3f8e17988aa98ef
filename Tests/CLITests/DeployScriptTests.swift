import Foundation
import TestSupport
import Testing

@Suite struct ContainerfileTests {
    /// The Debian runtime package of each library a `systemLibrary` target links.
    static let runtimePackages = [
        "openblas": "libopenblas0", "lapacke": "liblapacke", "zmq": "libzmq5", "yaml": "libyaml-0-2",
        "sqlite3": "libsqlite3-0", "crypto": "libssl3", "ssl": "libssl3", "pq": "libpq5",
    ]

    /// The `apt-get install` package list of the stage that starts with `FROM … AS name` (or the last).
    static func aptPackages(stage: String?) throws -> Set<String> {
        let text = try Deploy.text("deploy/container/Containerfile").replacingOccurrences(of: "\\\n", with: " ")
        let stages = text.components(separatedBy: "\nFROM ").dropFirst()
        let body = try #require(
            stage.map { s in stages.first { $0.hasSuffix("AS \(s)") || $0.contains(" AS \(s)\n") } }
                ?? stages.last)
        let words = body.split(whereSeparator: \.isWhitespace).map(String.init)
        var out: Set<String> = []
        var inInstall = false
        for w in words {
            if w == "install" {
                inInstall = true
                continue
            }
            if w == "&&" { inInstall = false }
            if inInstall, !w.hasPrefix("-") { out.insert(w) }
        }
        return out
    }

    @Test func runtimeStageInstallsEveryLinkedLibrary() throws {
        let sources = Deploy.path("Sources")
        let modules = try FileManager.default.contentsOfDirectory(atPath: sources)
        var linked: Set<String> = []
        for m in modules {
            guard let map = try? String(contentsOfFile: "\(sources)/\(m)/module.modulemap", encoding: .utf8) else {
                continue
            }
            for match in map.matches(of: /link\s+"([^"]+)"/) { linked.insert(String(match.1)) }
        }
        #expect(linked.isSuperset(of: ["zmq", "yaml", "sqlite3", "openblas"]))
        let runtime = try Self.aptPackages(stage: nil)
        for library in linked.sorted() {
            let package = try #require(
                Self.runtimePackages[library], "add the runtime package of lib\(library) here and to the Containerfile")
            #expect(runtime.contains(package), "runtime stage lacks \(package) (lib\(library))")
        }
        #expect(runtime.allSatisfy { !$0.hasSuffix("-dev") }, "no -dev packages at run time")
    }

    @Test func buildStageHasTheDevPackagesAndEveryTargetDirectory() throws {
        let build = try Self.aptPackages(stage: "build")
        let deps = try Deploy.text("scripts/install-deps.sh")
        let line = try #require(deps.split(separator: "\n").first { $0.hasPrefix("packages=(") })
        for p in line.split(whereSeparator: { " ()".contains($0) }).map(String.init) where p.hasSuffix("-dev") {
            #expect(build.contains(p), "build stage lacks \(p) (scripts/install-deps.sh)")
        }
        // SwiftPM loads every declared target, so each target's top directory must be copied in.
        let package = try Deploy.text("Package.swift")
        var tops: Set<String> = ["Sources", "Tests"]
        for m in package.matches(of: /path:\s*"([^"\/]+)/) { tops.insert(String(m.1)) }
        let containerfile = try Deploy.text("deploy/container/Containerfile")
        for top in tops {
            #expect(containerfile.contains("COPY \(top) ./\(top)"), "Containerfile does not copy \(top)/")
        }
        #expect(package.contains(".executable(name: \"dmfsweep\""))
        #expect(containerfile.contains("swift build -c release --product dmfsweep"))
    }
}

@Suite struct SlurmScriptTests {
    @Test func sbatchAsksForTheWarningSignalRequeueAndWholeNodes() throws {
        let text = try Deploy.text("deploy/slurm/dmfsweep.sbatch")
        let options = text.split(separator: "\n").filter { $0.hasPrefix("#SBATCH ") }.map { String($0.dropFirst(8)) }
        let signal = try #require(options.first { $0.hasPrefix("--signal=") })
        let lead = try #require(
            signal.wholeMatch(of: /--signal=B:TERM@(\d+)/).flatMap { Int($0.1) },
            "the batch shell (B:) must get SIGTERM before the limit")
        let grace = try #require(text.firstMatch(of: /GRACE=\$\{DMFSWEEP_GRACE:-(\d+)\}/).flatMap { Int($0.1) })
        #expect(lead >= grace + 10, "the stop must finish before Slurm kills at the limit")
        // --no-kill: a worker node's failure must not end the job (the coordinator re-queues its tasks).
        for required in ["--requeue", "--exclusive", "--open-mode=append", "--no-kill"] {
            #expect(options.contains(required), "#SBATCH \(required) missing")
        }
    }

    @Test func sbatchWorkersReachTheCoordinatorWithTheAuthorisedKey() throws {
        let text = try Deploy.text("deploy/slurm/dmfsweep.sbatch")
        #expect(text.contains("--bind \"tcp://$DMFSWEEP_BIND:$PORT\""))
        // The bind address: the node's own address for its hostname, never a loopback one.
        #expect(text.contains("getent ahostsv4 \"$HOST\""))
        #expect(text.contains("\"\" | 127.*) DMFSWEEP_BIND=0.0.0.0"))
        #expect(text.contains("srun --overlap --kill-on-bad-exit=0 --no-kill"))
        #expect(text.contains("--connect \"tcp://$HOST:$PORT\""))
        #expect(text.contains("keys generate --keys \"$KEYS\" --name coordinator"))
        #expect(text.contains("keys generate --keys \"$KEYS\" --name worker --authorize"))
        #expect(text.contains("security_coordinator=(--curve --keys \"$KEYS\")"))
        #expect(text.contains("security_worker=(--curve --keys \"$KEYS\" --key-name worker)"))
        #expect(text.contains("srun ") && text.contains("--ntasks-per-node=\"$PER_NODE\""))
    }

    /// The sbatch script's store argument, run as the script runs it: a libpq URI is passed on
    /// unchanged and shown with its password masked; a path is made absolute.
    @Test(arguments: [
        ("postgresql://me:s3cret@db:5432/sweeps?sslmode=require", "postgresql://me:***@db:5432/sweeps?sslmode=require"),
        (
            "postgres://me@db/sweeps?password=s3cret&sslmode=verify-full",
            "postgres://me@db/sweeps?password=***&sslmode=verify-full"
        ),
        ("results.sqlite", "/submit/results.sqlite"),
    ])
    func sbatchStoreArgument(argument: String, shown: String) throws {
        let text = try Deploy.text("deploy/slurm/dmfsweep.sbatch")
        let start = try #require(text.range(of: "case \"$2\" in"))
        let end = try #require(text.range(of: "esac", range: start.upperBound..<text.endIndex))
        let block = String(text[start.lowerBound..<end.upperBound])
        let script =
            "die() { echo \"die: $*\"; exit 2; }\ncd /tmp\nset -- sweep.yaml \"$1\"\n"
            .replacingOccurrences(of: "cd /tmp", with: "mkdir() { :; }; realpath() { echo \"/submit/$3\"; }")
            + block + "\necho \"$STORE\"\necho \"$SHOWN_STORE\"\n"
        let out = try runProcess(["-c", script, "sbatch", argument], executable: URL(fileURLWithPath: "/bin/bash"))
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [argument.hasPrefix("postgres") ? argument : "/submit/\(argument)", shown])
    }

    @Test(arguments: [
        ("bash", "deploy/slurm/dmfsweep.sbatch"), ("bash", "deploy/slurm/local-cluster.sh"),
        ("bash", "scripts/test-slurm.sh"), ("sh", "deploy/container/stay-after-success.sh"),
    ])
    func scriptIsExecutableAndParses(shell: String, file: String) throws {
        #expect(FileManager.default.isExecutableFile(atPath: Deploy.path(file)))
        let out = try runProcess(["-n", Deploy.path(file)], executable: URL(fileURLWithPath: "/bin/" + shell))
        #expect(out.status == 0, "\(file): \(out.stderr)")
    }
}

@Suite struct DeployFlagTests {
    static let sources = [
        "deploy/slurm/dmfsweep.sbatch", "deploy/slurm/local-cluster.sh", "scripts/test-slurm.sh",
        "deploy/k8s/kustomization.yaml", "deploy/k8s/coordinator-statefulset.yaml",
        "deploy/k8s/worker-deployment.yaml", "deploy/k8s-postgres/coordinator-deployment.yaml",
        "deploy/container/Containerfile", "docs/cluster.md", "README.md",
    ]

    @Test func scannerFindsCommandsFlagsAndArrayFlags() {
        let text = """
            # dmfsweep on a cluster: `dmfsweep` runs `dmfsweep status --store F` and more
            opts=(--curve --keys "$K")
            "$DMFSWEEP" coordinator "$S" --bind x \\
                --store=y "${opts[@]}" & other --not-this
            srun -N 2 /opt/bin/dmfsweep worker --jobs 2 | tee --append log
            n=$("$DMFSWEEP" query --raw | wc -l)
            """
        let found = InvocationScanner.invocations(
            in: text, origin: "t", commands: ["status", "coordinator", "worker", "query"])
        #expect(found.map(\.command) == ["status", "coordinator", "worker", "query"])
        #expect(
            found.map(\.flags) == [["--store"], ["--bind", "--store", "--curve", "--keys"], ["--jobs"], ["--raw"]])
        #expect(found.map(\.origin) == ["t:1", "t:3", "t:5", "t:6"])
    }

    @Test
    func everyDmfsweepFlagInDeploymentFilesExists() throws {
        let top = try runProcess(["--help"])
        let commands = Set(
            top.stdout.split(separator: "\n").drop { !$0.hasPrefix("commands:") }.dropFirst()
                .prefix { $0.hasPrefix("  ") }.compactMap { $0.split(separator: " ").first.map(String.init) })
        #expect(commands.isSuperset(of: ["coordinator", "worker", "keys", "status", "query"]))
        var help: [String: Set<String>] = [:]
        var problems: [String] = []
        var total = 0
        for file in Self.sources {
            let text = try Deploy.text(file)
            var found = InvocationScanner.invocations(in: text, origin: file, commands: commands)
            if file.hasSuffix(".yaml") {
                // Command lines in manifests are lists: scan each container's as one line.
                for doc in try ManifestReader.documents(text: text, name: file) {
                    for c in doc.at("spec.template.spec.containers")?.items ?? [] {
                        found += InvocationScanner.invocations(
                            in: Deploy.commandLine(of: c).joined(separator: " "),
                            origin: "\(file) (container \(c["name"]?.text ?? "?"))", commands: commands)
                    }
                }
            }
            if file != "deploy/slurm/local-cluster.sh" && file != "deploy/container/Containerfile" {
                #expect(!found.isEmpty, "no dmfsweep command found in \(file)")
            }
            for invocation in found {
                total += 1
                if help[invocation.command] == nil {
                    let out = try runProcess([invocation.command, "--help"])
                    help[invocation.command] = Set(
                        out.stdout.split(separator: "\n").compactMap { line in
                            let t = line.trimmingCharacters(in: .whitespaces)
                            return t.hasPrefix("--") ? t.split(separator: " ").first.map(String.init) : nil
                        })
                }
                for flag in invocation.flags where !(help[invocation.command] ?? []).contains(flag) {
                    problems.append("\(invocation.origin): 'dmfsweep \(invocation.command)' has no \(flag)")
                }
            }
        }
        #expect(total >= 15, "only \(total) dmfsweep command lines found")
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
}
