import Factorization

/// The canonical JSON form of a task's parameters: the exact bytes its `TaskKey` hashes.
///
/// Format version 1 (also in `docs/task-keys.md`; changing anything here changes every key):
/// - One JSON object, no whitespace, UTF-8. The first member is `"v":1`; then every parameter of
///   `SimulationConfig.parameters`, in registry order, under its sweep name.
/// - Defaults are filled in; an optional parameter that is unset is `null`, except:
///   - `n` is always the resolved dimension (`resolvedN`): omitted `n` and the `n` it resolves
///     to give the same key;
///   - `spectrum` is the resolved spectrum padded with zeros to `n` (`resolvedSpectrum`) when a
///     spectrum is given or neither spectrum nor rank is (the default spectrum); when the
///     spectrum is generated from `rank`/`decay` it is `null` and those two identify it (so keys
///     never depend on the platform's `pow`).
///   - `rank`, `decay` and every other parameter are written as set, whether or not they matter
///     for this problem (over-distinguishing is safe; merging two different tasks would not be).
/// - Integer parameters are decimal integers (`seed` unsigned). Real parameters and spectrum
///   entries are written like ECMAScript's `Number.prototype.toString` (as in JSON.stringify and
///   RFC 8785): the shortest decimal that round-trips, integral values without a fraction
///   (`1.0` → `1`), `-0` → `0`, exponent form below 1e-6 and from 1e21 (`1e-7`, `1.5e+21`).
///   (`JSONText.number(_:)`, shared with the other JSON outputs, writes them.)
/// - Choice parameters are their words as JSON strings (`JSONText.appendString(_:to:)`).
///
/// Parameters appended after version 1 (`rows`, `symmetric`, `width`, `alpha_scope`) are written
/// only off their defaults, after `rows` and `width` equal to what they resolve to are unset
/// (`SimulationConfig.normalized`).
///
/// A matrix parameter (`target`, `clean`, `mask`) is written as the string `"sha256:<digest>"` of its
/// content (`MatrixValue`), never its path.
///
/// Evolution rule: a parameter appended to the registry later must be left out of the form
/// while it has its default value, so that every existing key stays valid.
public enum CanonicalForm {
    /// The format version written as `"v"`.
    public static let version = 1

    /// The canonical JSON of a configuration (see the type's documentation).
    /// - Parameter config: a configuration (normally one that passed `validate()`).
    /// - Returns: the JSON text whose SHA-256 is the task key.
    public static func json(for config: SimulationConfig) -> String {
        let config = config.resolvedForKey
        var out: [UInt8] = []
        out.reserveCapacity(512)
        // Version 1 is frozen: its members are written field by field, in registry order.
        func member(_ name: StaticString) {
            out.append(UInt8(ascii: out.isEmpty ? "{" : ","))
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out.append(contentsOf: "\":".utf8)
        }
        func integer<T: BinaryInteger>(_ name: StaticString, _ v: T?) {
            member(name)
            out.append(contentsOf: (v.map { String($0) } ?? "null").utf8)
        }
        func real(_ name: StaticString, _ v: Double?) {
            member(name)
            if let v { JSONText.appendNumber(v, to: &out) } else { out.append(contentsOf: "null".utf8) }
        }
        func word(_ name: StaticString, _ v: String) {
            member(name)
            JSONText.appendString(v, to: &out)
        }
        integer("v", version)
        word("problem", config.problem.rawValue)
        integer("n", config.n)
        integer("depth", config.depth)
        member("spectrum")
        if let spectrum = config.spectrum {
            appendList(spectrum, to: &out)
        } else {
            out.append(contentsOf: "null".utf8)
        }
        integer("rank", config.rank)
        real("decay", config.decay)
        real("noise", config.noise)
        word("init", config.initKind.rawValue)
        real("alpha", config.alpha)
        real("eta", config.eta)
        integer("steps", config.steps)
        integer("record_every", config.recordEvery)
        real("tolerance", config.tolerance)
        integer("seed", config.seed)
        word("path", config.path.rawValue)
        integer("measurements", config.measurements)
        real("observed", config.observed)
        real("stop_loss", config.stopLoss)
        // The evolution rule, applied automatically: a parameter added after version 1 is
        // written only when it differs from its default.
        for spec in SimulationConfig.parameters.dropFirst(versionOneParameters.count) {
            let value = spec.value(in: config)
            guard value != spec.value(in: defaults) else { continue }
            out.append(contentsOf: ",\"\(spec.name)\":".utf8)
            appendValue(value, kind: spec.kind, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// The registry's parameters when format version 1 was defined, in order (the registry's
    /// first 18 entries; a test checks it).
    static let versionOneParameters = [
        "problem", "n", "depth", "spectrum", "rank", "decay", "noise", "init", "alpha", "eta", "steps",
        "record_every", "tolerance", "seed", "path", "measurements", "observed", "stop_loss",
    ]

    private static let defaults = SimulationConfig()

    private static func appendValue(_ v: ParameterValue, kind: ParameterKind, to out: inout [UInt8]) {
        switch v {
        case .unset: out.append(contentsOf: "null".utf8)
        case .integer(let i):
            if kind == .real {
                JSONText.appendNumber(Double(i), to: &out)
            } else {
                out.append(contentsOf: String(i).utf8)
            }
        case .real(let d): JSONText.appendNumber(d, to: &out)
        case .text(let s): JSONText.appendString(s, to: &out)
        case .realList(let list): appendList(list, to: &out)
        case .matrix(let m): JSONText.appendString(m.description, to: &out)
        }
    }

    private static func appendList(_ list: [Double], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, x) in list.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendNumber(x, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A finite double as ECMAScript's Number::toString writes it (`JSONText.number(_:)`, the
    /// layout every real of the canonical form uses); non-finite values (never in a valid config)
    /// are written `null`.
    /// - Parameter x: a double.
    /// - Returns: e.g. `1`, `0.1`, `1e-7`.
    public static func number(_ x: Double) -> String { JSONText.number(x) }
}
