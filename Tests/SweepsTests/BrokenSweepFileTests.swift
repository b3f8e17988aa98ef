import Factorization
import Foundation
import TestSupport
import Testing

@testable import Sweeps

/// Broken sweep files (`Fixtures/broken/`) and the exact one-line error each must give. Columns
/// were counted by hand from the fixture text; libyaml's syntax messages are its own.
@Suite struct BrokenSweepFileTests {
    static let directory = TestPaths.repositoryRoot.appendingPathComponent("Tests/SweepsTests/Fixtures/broken")

    /// The tail of every "unknown parameter" message: the registry's names, in registry order.
    static let validNames =
        "; parameters are " + SimulationConfig.parameters.map(\.name).joined(separator: ", ")

    static let cases: [(file: String, expected: String)] = [
        ("empty.yaml", "1:1: empty sweep file (expected a mapping with name, method and parameters)"),
        ("comments-only.yaml", "1:1: empty sweep file (expected a mapping with name, method and parameters)"),
        (
            "unclosed-flow.yaml",
            "4:24: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 4, column 19)"
        ),
        (
            "tab-indent.yaml",
            "4:1: invalid YAML: found character that cannot start any token (while scanning for the next token at line 4, column 1)"
        ),
        ("invalid-utf8.yaml", "1:11: invalid YAML: invalid trailing UTF-8 octet"),
        ("root-list.yaml", "1:1: a sweep file must be a mapping with name, method and parameters, got a list"),
        ("two-documents.yaml", "4:1: a sweep file holds a single YAML document"),
        ("anchors.yaml", "4:10: anchors and aliases (&name, *name) are not supported in sweep files"),
        ("duplicate-parameter.yaml", "6:3: duplicate key 'depth' (first at line 4, column 3)"),
        ("duplicate-top-level.yaml", "3:1: duplicate key 'name' (first at line 1, column 1)"),
        ("unknown-top-level-key.yaml", "3:1: unknown key 'paramters' (did you mean 'parameters'?)"),
        ("wandb-metric.yaml", "3:1: unknown key 'metric' (a W&B key dmfsweep does not use: remove it)"),
        ("run-cap.yaml", "3:1: unknown key 'run_cap' (W&B's run_cap is count here)"),
        (
            "wandb-keys.yaml",
            "1:1: 7 unknown keys: W&B's program (1:1), metric (5:1), project (6:1), entity (7:1), command (8:1), "
                + "early_terminate (9:1) are not used by dmfsweep: remove them; W&B's run_cap (10:1) is count here; "
                + "the keys are name, description, method, parameters, count, seed and runs"
        ),
        (
            "unknown-keys-mixed.yaml",
            "3:1: 4 unknown keys: W&B's metric (4:1) is not used by dmfsweep: remove it; W&B's run_cap (5:1) is "
                + "count here; 'paramters' (3:1, did you mean 'parameters'?); 'foo' (6:1); the keys are name, "
                + "description, method, parameters, count, seed and runs"
        ),
        (
            "parameters-empty.yaml",
            "3:13: 'parameters' is empty; name at least one parameter (W&B refuses an empty mapping too)"
        ),
        (
            "parameters-empty-list.yaml",
            "3:13: 'parameters' is empty; name at least one parameter or leave 'parameters' out"
        ),
        (
            "nested-parameters.yaml",
            "5:3: nested 'parameters' blocks are not supported: write each parameter directly under the top-level "
                + "'parameters:'"
        ),
        ("missing-name.yaml", "2:1: missing 'name' (the sweep's name)"),
        ("missing-method.yaml", "1:1: missing 'method' (grid, random or list)"),
        (
            "missing-parameters.yaml",
            "1:1: missing 'parameters' (a mapping from parameter names to {value: …} or {values: […]})"
        ),
        ("unknown-method.yaml", "2:9: method must be grid, random or list, got 'gird' (did you mean 'grid'?)"),
        (
            "seed-on-grid.yaml",
            "3:1: 'seed' is only used by method random; to set the simulation seed write parameters: {seed: {value: …}}"
        ),
        ("unknown-parameter.yaml", "5:3: unknown parameter 'alpah' (did you mean 'alpha'?)" + validNames),
        ("unknown-parameter-no-hint.yaml", "4:3: unknown parameter 'learning_rate'" + validNames),
        ("flag-spelling.yaml", "4:3: unknown parameter 'record-every' (did you mean 'record_every'?)" + validNames),
        ("broken.json", "1:48: unknown parameter 'depht' (did you mean 'depth'?)" + validNames),
        (
            "parameter-not-mapping.yaml",
            "4:10: parameter 'depth' must be a mapping such as {value: …} or {values: […]}, got 3"
        ),
        ("value-and-values.yaml", "4:21: parameter 'depth' has both 'value' and 'values'; give one"),
        ("non-integer.yaml", "4:23: depth: expected an integer, got 2.5"),
        ("not-finite.yaml", "4:16: eta: expected a finite number, got .inf"),
        ("quoted-number.yaml", "4:18: alpha: expected a finite number, got \"0.1\""),
        (
            "bad-choice.yaml",
            "4:29: init: expected one of identity|orthogonal|gaussian, got orthogonl (did you mean 'orthogonal'?)"
        ),
        (
            "spectrum-scalars.yaml",
            "4:23: spectrum: expected a list of finite numbers, got 10 (write a list such as [10, 5, 2])"
        ),
        ("negative-seed.yaml", "4:22: seed: must be an integer ≥ 0, got -1"),
        ("empty-values.yaml", "4:19: 'values' of 'alpha' is empty"),
        ("out-of-range.yaml", "4:25: alpha: must be > 0, got -0.5"),
        ("distribution-on-grid.yaml", "4:11: 'distribution' needs method random (grid takes value or values)"),
        (
            "unknown-distribution.yaml",
            "5:25: distribution must be uniform, log_uniform_values or int_uniform, got 'normal'"
        ),
        ("min-greater-than-max.yaml", "5:39: min 0.5 is greater than max 0.1"),
        (
            "min-equals-max-uniform.yaml",
            "5:39: min and max are both 0.1: a distribution needs min < max (for one value write {value: 0.1})"
        ),
        (
            "min-equals-max-int-uniform.yaml",
            "5:43: min and max are both 3: a distribution needs min < max (for one value write {value: 3})"
        ),
        (
            "min-equals-max-log-uniform.yaml",
            "5:50: min and max are both 0.1: a distribution needs min < max (for one value write {value: 0.1})"
        ),
        (
            "wandb-log-uniform.yaml",
            "5:23: distribution log_uniform is W&B's, whose min and max are exponents (values e^min to e^max); "
                + "write {distribution: log_uniform_values, min: 0.000100034, max: 0.00995182}"
        ),
        (
            "wandb-inv-log-uniform.yaml",
            "5:25: distribution inv_log_uniform is W&B's, whose min and max are exponents (values e^-max to "
                + "e^-min); write {distribution: log_uniform_values, min: 0.00673795, max: 0.367879}"
        ),
        (
            "wandb-log-uniform-no-bounds.yaml",
            "5:25: distribution log_uniform is W&B's, whose min and max are exponents (values e^min to e^max); "
                + "write {distribution: log_uniform_values, min: e^min, max: e^max}"
        ),
        ("log-uniform-nonpositive.yaml", "5:48: log_uniform_values needs min > 0, got 0"),
        ("int-uniform-real-bound.yaml", "5:43: 'min' of int_uniform must be an integer, got 1.5"),
        ("count-zero.yaml", "3:8: 'count' must be an integer ≥ 1, got 0"),
        ("count-missing.yaml", "1:1: missing 'count' (method random draws this many tasks)"),
        ("grid-too-large.yaml", "3:1: grid has 16777216 tasks; the limit is 1000000"),
        ("grid-overflow.yaml", "19:3: grid size overflows at 'stop_loss': more than 9223372036854775807 tasks"),
        (
            "list-with-values.yaml",
            "4:11: 'values' is not allowed with method list; write one entry per task under 'runs'"
        ),
        ("list-missing-runs.yaml", "1:1: missing 'runs' (method list runs the parameter mappings listed there)"),
        ("list-run-unknown.yaml", "5:6: unknown parameter 'deph' (did you mean 'depth'?)" + validNames),
        ("list-run-wrapped.yaml", "4:12: in 'runs' write each parameter's value itself (depth: …), not {value: …}"),
        ("unknown-domain-key.yaml", "4:11: unknown key 'valeus' in parameter 'depth' (did you mean 'values'?)"),
        ("min-without-distribution.yaml", "4:26: 'min' needs a 'distribution' (method random), not 'values'"),
        ("distribution-missing-max.yaml", "5:10: distribution uniform of 'alpha' needs both 'min' and 'max'"),
        ("uniform-on-integer.yaml", "5:25: 'steps' is an integer parameter: use int_uniform (or values)"),
        ("distribution-on-choice.yaml", "5:24: 'init' cannot be drawn from a distribution: use values"),
        ("empty-name.yaml", "1:7: 'name' must be non-empty text on one line, got \"\""),
        ("count-not-integer.yaml", "3:8: 'count' must be an integer ≥ 1, got ten"),
        ("random-seed-negative.yaml", "4:7: 'seed' must be an integer ≥ 0, got -3"),
        ("runs-not-list.yaml", "3:7: 'runs' must be a list of parameter mappings, got a mapping"),
        ("runs-empty.yaml", "3:7: 'runs' must list at least one run"),
        ("run-not-mapping.yaml", "4:5: each run must be a mapping of parameter names to values, got 3"),
        ("null-required.yaml", "4:18: depth: cannot be null (expected an integer)"),
        ("integer-overflow.yaml", "4:18: steps: integer out of range: 99999999999999999999"),
        ("complex-key.yaml", "4:3: mapping keys must be words or strings, not lists or mappings"),
        (
            "tagged.yaml",
            "4:18: tag '!!binary' is not supported in sweep files (only !!str, !!int, !!float, !!bool and !!null "
                + "on single values)"
        ),
        (
            "tag-local.yaml",
            "4:18: tag '!local' is not supported in sweep files (only !!str, !!int, !!float, !!bool and !!null on "
                + "single values)"
        ),
        (
            "tag-on-list.yaml",
            "4:19: tags on lists and mappings are not supported in sweep files (only !!str, !!int, !!float, !!bool "
                + "and !!null on single values)"
        ),
        ("tag-int-not-integer.yaml", "4:18: !!int 2.5 is not an integer"),
        ("tag-float-not-number.yaml", "4:16: !!float fast is not a number"),
        ("tag-str-number.yaml", "4:18: alpha: expected a finite number, got !!str 0.1"),
        ("description-list.yaml", "2:14: 'description' must be text, got a list"),
        ("values-not-list.yaml", "4:19: 'values' of 'depth' must be a list such as [1, 2], got 3"),
        ("yes-is-a-word.yaml", "4:20: problem: expected one of estimation|sensing|completion, got yes"),
        ("spectrum-word.yaml", "4:26: spectrum: expected a finite number, got five"),
        ("spectrum-empty.yaml", "4:21: spectrum: must list at least one eigenvalue"),
        ("spectrum-longer-than-n.yaml", "5:21: spectrum: has 4 eigenvalues but n is 3"),
        // Valid on their own; the combination fails `SimulationConfig.validate()` during expansion.
        (
            "completion-empty-mask.yaml",
            "6:21: observed: the completion mask of seed 0 observes none of the 2×2 entries (each kept with "
                + "probability 0.01): the loss is 0 from step 0 and there is nothing to fit; raise observed or n, or "
                + "use another seed"
        ),
        (
            "invalid-combination.yaml",
            "5:17: path: spectral is exact only for problem estimation with init identity (got sensing, identity); "
                + "use full or auto"
        ),
    ]

    @Test(arguments: cases)
    func brokenFileGivesItsError(file: String, expected: String) {
        let path = Self.directory.appendingPathComponent(file).path
        do {
            let spec = try SweepFile.load(path: path)
            _ = try spec.expand()
            Issue.record("\(file) was accepted")
        } catch {
            #expect(error.file == path)
            #expect(error.description == "\(path):\(expected)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func everyFixtureHasAnExpectation() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
        #expect(Set(files) == Set(Self.cases.map(\.file)))
        #expect(files.count >= 20)
    }

    @Test func aDirectoryIsReportedAsADirectory() throws {
        let dir = try TemporaryDirectory(prefix: "sweep-dir")
        let expected = SweepError(
            file: dir.url.path, line: 1, column: 1, message: "cannot read sweep file: it is a directory")
        #expect(throws: expected) {
            try SweepFile.load(path: dir.url.path)
        }
    }

    @Test func unreadableFileIsReportedAtItsStart() {
        #expect(
            throws: SweepError(
                file: "/nonexistent/x.yaml", line: 1, column: 1, message: "cannot read sweep file: no such file")
        ) {
            try SweepFile.load(path: "/nonexistent/x.yaml")
        }
    }
}
