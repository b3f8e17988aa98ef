import Foundation
import TestSupport
import Testing

/// deploy/k8s-postgres: the Kubernetes variant with a PostgreSQL store. The coordinator is a
/// Deployment without a volume, the store's URI and password come from a generated Secret, and the
/// rest is the base (deploy/k8s). Checked on the files, rendered with `kubectl kustomize`, and run:
/// a coordinator and a worker with the manifests' own flags and environment finish a sweep in a
/// real PostgreSQL database.
@Suite struct KubernetesPostgresTests {
    static let overlay = "deploy/k8s-postgres"

    static func coordinator() throws -> ManifestNode {
        let docs = try ManifestReader.documents(atPath: Deploy.path(overlay + "/coordinator-deployment.yaml"))
        return try #require(docs.first { $0["kind"]?.text == "Deployment" })
    }

    /// The rendered overlay (`kubectl kustomize`), with placeholder keys and the example env file.
    static func rendered() throws -> [ManifestNode] {
        let dir = try TemporaryDirectory(prefix: "dmfsweep-k8s-pg")
        for name in ["k8s", "k8s-postgres"] {
            try FileManager.default.copyItem(atPath: Deploy.path("deploy/" + name), toPath: dir.path(name))
        }
        try FileManager.default.createDirectory(atPath: dir.path("k8s/keys"), withIntermediateDirectories: true)
        for name in ["coordinator.pub", "coordinator.secret", "worker.pub", "worker.secret"] {
            try "placeholder\n".write(toFile: dir.path("k8s/keys/" + name), atomically: true, encoding: .utf8)
        }
        try FileManager.default.copyItem(
            atPath: dir.path("k8s-postgres/postgres.env.example"), toPath: dir.path("k8s-postgres/postgres.env"))
        let out = try runProcess(
            ["kustomize", dir.path("k8s-postgres")], executable: URL(fileURLWithPath: "/usr/bin/kubectl"))
        try #require(out.status == 0, "kubectl kustomize failed: \(out.stderr)")
        return try ManifestReader.documents(text: out.stdout, name: "kustomize output")
    }

    @Test func storeComesFromTheSecretAndTheCoordinatorHasNoVolume() throws {
        let k = try #require(ManifestReader.documents(atPath: Deploy.path(Self.overlay + "/kustomization.yaml")).first)
        #expect(k["resources"]?.items.compactMap(\.text) == ["../k8s", "coordinator-deployment.yaml"])
        let secret = try #require(k["secretGenerator"]?.items.first)
        let envFile = try #require(secret["envs"]?.items.first?.text)
        #expect(try Deploy.text(Self.overlay + "/.gitignore").split(separator: "\n").contains("/\(envFile)"))
        let example = try Deploy.text(Self.overlay + "/\(envFile).example")
        let keys = Set(
            example.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
                $0.split(separator: "=").first.map(String.init)
            })
        #expect(keys == ["DMFSWEEP_STORE", "PGPASSWORD"])

        let coordinator = try Self.coordinator()
        #expect(coordinator.at("spec.replicas")?.text == "1")
        #expect(coordinator.at("spec.strategy.type")?.text == "Recreate")
        #expect(coordinator.at("spec.volumeClaimTemplates") == nil)
        let volumes = (coordinator.at("spec.template.spec.volumes")?.items ?? []).compactMap { $0["name"]?.text }
        #expect(Set(volumes) == ["sweep", "keys", "tmp"])
        let container = try Deploy.container(of: coordinator)
        let line = Deploy.commandLine(of: container)
        let store = try #require(Deploy.value(of: "--store", in: line))
        let variable = try #require(store.wholeMatch(of: /\$\(([A-Z_]+)\)/)?.1)
        for name in [String(variable), "PGPASSWORD"] {
            let env = try #require(container["env"]?.items.first { $0["name"]?.text == name }, "no env \(name)")
            #expect(env.at("valueFrom.secretKeyRef.name")?.text == secret["name"]?.text)
            #expect(keys.contains(env.at("valueFrom.secretKeyRef.key")?.text ?? ""))
        }
        // The same coordinator otherwise: flags, grace, port, user.
        let base = try Deploy.object("StatefulSet", in: try Deploy.objects())
        let baseLine = Deploy.commandLine(of: try Deploy.container(of: base))
        #expect(
            line.filter { $0 != store }
                == baseLine.filter { $0 != Deploy.value(of: "--store", in: baseLine) })
        let grace = try #require(Deploy.value(of: "--grace", in: line).flatMap { Int($0) })
        let period = try #require(
            coordinator.at("spec.template.spec.terminationGracePeriodSeconds")?.text.flatMap { Int($0) })
        #expect(period >= grace + 10)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/kubectl"), "kubectl is not installed"))
    func kustomizeReplacesTheStatefulSetAndWiresTheSecret() throws {
        let rendered = try Self.rendered()
        let kinds = rendered.compactMap { $0["kind"]?.text }.sorted()
        #expect(kinds == ["ConfigMap", "Deployment", "Deployment", "Secret", "Secret", "Service"])
        let secrets = Set(rendered.filter { $0["kind"]?.text == "Secret" }.compactMap { $0.at("metadata.name")?.text })
        let coordinator = try #require(
            rendered.first {
                $0["kind"]?.text == "Deployment" && $0.at("metadata.name")?.text == "dmfsweep-coordinator"
            })
        let container = try Deploy.container(of: coordinator)
        for env in container["env"]?.items ?? [] {
            let name = try #require(env.at("valueFrom.secretKeyRef.name")?.text)
            #expect(secrets.contains(name) && name.hasPrefix("dmfsweep-postgres-"), "\(name)")
        }
        #expect(container["image"]?.text == "dmfsweep:0.1.0")
        let labels = try #require(coordinator.at("spec.template.metadata.labels")).stringMap
        let service = try #require(rendered.first { $0["kind"]?.text == "Service" })
        #expect(try #require(service.at("spec.selector")).stringMap.allSatisfy { labels[$0.key] == $0.value })
        #expect(coordinator.at("metadata.labels")?.stringMap["app.kubernetes.io/name"] == "dmfsweep")
    }

    /// The manifests' coordinator command line and environment, with the store from the Secret's
    /// variable: it runs a sweep into PostgreSQL with a worker and nothing on disk.
    @Test func theVariantsCommandLineRunsASweepIntoPostgres() throws {
        let db = try TestPostgres.freshDatabase()
        let dir = try TemporaryDirectory(prefix: "dmfsweep-k8s-pg-run")
        let sweep = dir.path("tiny.yaml")
        try "name: k8s-pg\nmethod: grid\nparameters:\n  depth: {values: [2, 3]}\n  seed: {values: [0, 1]}\n"
            .write(toFile: sweep, atomically: true, encoding: .utf8)
        let line = Deploy.dmfsweepArguments(Deploy.commandLine(of: try Deploy.container(of: try Self.coordinator())))
        let endpoint = "tcp://127.0.0.1:\(RuntimeCLITests.freePort())"
        // Local stand-ins for what Kubernetes provides: the sweep's mount, the address, plain TCP
        // on loopback instead of CURVE keys, and $(DMFSWEEP_STORE) expanded from the environment.
        var args: [String] = []
        var skip = false
        for (i, a) in line.enumerated() {
            if skip {
                skip = false
                continue
            }
            switch a {
            case "--curve": continue
            case "--keys": skip = true
            case "--bind":
                args += ["--bind", endpoint]
                skip = true
            case "--store":
                args += ["--store", db.uri]
                skip = true
            default: args.append(i == 1 ? sweep : a)
            }
        }
        let coordinator = try ChildProcess(
            args, environment: ["PGPASSWORD": "not-needed-with-trust-auth"])
        defer { coordinator.send(signal: SIGKILL) }
        #expect(eventually(timeout: 60) { coordinator.output.contains("listening on") }, "\(coordinator.output)")
        let worker = try runProcess(["worker", "--connect", endpoint], timeout: 120)
        #expect(worker.status == 0, "\(worker.stderr)")
        #expect(coordinator.exitStatus(timeout: 60) == 0, "\(coordinator.output)")
        #expect(try TestPostgres.psql(db.uri, "SELECT count(*) FROM results") == "4")
    }
}
