/// The value of one simulation parameter, as written in a flag or a sweep file.
public enum ParameterValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A whole number, e.g. `depth: 3`.
    case integer(Int)
    /// A real number, e.g. `alpha: 0.05`.
    case real(Double)
    /// A word from a fixed list, e.g. `init: identity`.
    case text(String)
    /// A list of reals, e.g. `spectrum: [10, 5, 2]`.
    case realList([Double])
    /// A matrix read from a file, e.g. `target: instance/target.npy`.
    case matrix(MatrixValue)
    /// The parameter is unset (derived from the others).
    case unset

    /// The value for messages and tables: a list comma-separated, an unset value `auto`.
    public var description: String {
        switch self {
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let v): return v
        case .realList(let v): return v.map { String($0) }.joined(separator: ",")
        case .matrix(let m): return m.description
        case .unset: return "auto"
        }
    }
}

/// The type a parameter accepts.
public enum ParameterKind: Sendable, Hashable {
    /// A whole number.
    case integer
    /// A finite real number (whole numbers are accepted).
    case real
    /// One of a fixed set of words.
    case choice([String])
    /// A list of finite real numbers (`10,5,2` on the command line, `[10, 5, 2]` in a sweep file).
    case realList
    /// A float64 matrix read from a `.npy` or `.csv` file, identified by its content's SHA-256.
    case matrix

    /// What a user may write, for error messages and `--help`.
    public var expected: String {
        switch self {
        case .integer: return "an integer"
        case .real: return "a finite number"
        case .choice(let words): return "one of " + words.joined(separator: "|")
        case .realList: return "a list of finite numbers"
        case .matrix: return "a .npy or .csv file of a float64 matrix"
        }
    }
}

/// The values a parameter accepts beyond its kind, judged on the value alone (checks that involve
/// other parameters are `SimulationConfig.validateCombination()`'s).
public enum ParameterRange: Sendable, Hashable {
    /// At least the bound: `≥ 1`.
    case atLeast(Double)
    /// Greater than the bound: `> 0`.
    case above(Double)
    /// In the interval (lower, upper]: `in (0, 1]`.
    case leftOpen(Double, Double)
    /// A list with at least one entry, every entry finite; `item` names an entry ("eigenvalue").
    case nonEmptyList(item: String)
    /// A matrix with at least one entry, every entry finite.
    case finiteMatrix
    /// A matrix whose entries are 0 or 1 (a completion mask).
    case zeroOneMatrix

    /// What is allowed, for `--help`: `≥ 1`, `> 0`, `in (0, 1]`, `at least one eigenvalue`.
    public var allowed: String {
        switch self {
        case .atLeast(let b): return "≥ " + Self.bound(b)
        case .above(let b): return "> " + Self.bound(b)
        case .leftOpen(let a, let b): return "in (\(Self.bound(a)), \(Self.bound(b))]"
        case .nonEmptyList(let item): return "at least one \(item)"
        case .finiteMatrix: return "finite entries"
        case .zeroOneMatrix: return "entries 0 or 1"
        }
    }

    /// Why a value is outside the range — `must be an integer ≥ 1, got 0`, `must be > 0, got -0.5`
    /// (reals as Swift prints them, `-1.0`) — or `nil` when it is inside (an unset value always is).
    /// - Parameter value: a value already of the parameter's kind (reals as `.real`).
    /// - Returns: the message, without the parameter's name.
    public func violation(_ value: ParameterValue) -> String? {
        switch (self, value) {
        case (.atLeast(let b), .integer(let v)) where Double(v) < b:
            return "must be an integer ≥ \(Self.bound(b)), got \(v)"
        case (.atLeast(let b), .real(let v)) where !(v >= b): return "must be ≥ \(Self.bound(b)), got \(v)"
        case (.above(let b), .integer(let v)) where !(Double(v) > b):
            return "must be an integer > \(Self.bound(b)), got \(v)"
        case (.above(let b), .real(let v)) where !(v > b): return "must be > \(Self.bound(b)), got \(v)"
        case (.leftOpen(let a, let b), .real(let v)) where !(v > a && v <= b):
            return "must be in (\(Self.bound(a)), \(Self.bound(b))], got \(v)"
        case (.nonEmptyList(let item), .realList(let list)):
            if list.isEmpty { return "must list at least one \(item)" }
            if let bad = list.first(where: { !$0.isFinite }) { return "\(item)s must be finite, got \(bad)" }
            return nil
        case (.finiteMatrix, .matrix(let value)):
            let m = value.matrix
            if m.rows < 1 || m.columns < 1 { return "is empty (\(m.rows)×\(m.columns))" }
            guard let k = m.elements.firstIndex(where: { !$0.isFinite }) else { return nil }
            return "has a non-finite entry \(m.elements[k]) at row \(k % m.rows + 1), column \(k / m.rows + 1)"
        case (.zeroOneMatrix, .matrix(let value)):
            let m = value.matrix
            guard let k = m.elements.firstIndex(where: { $0 != 0 && $0 != 1 }) else { return nil }
            return "must hold only 0 and 1, got \(m.elements[k]) at row \(k % m.rows + 1), column \(k / m.rows + 1)"
        default: return nil
        }
    }

    /// A bound as written in messages: `1`, `0`, `0.5`.
    static func bound(_ b: Double) -> String { b.rounded() == b && abs(b) < 1e15 ? String(Int(b)) : String(b) }
}

/// The description of one parameter — everything every layer needs, in one place: its name, type,
/// help, the default shown in `--help`, its rank as a report grouping key, the range of values it
/// accepts on its own, and how it is read from and written to a `SimulationConfig`. The CLI flags,
/// the sweep-file reader, validation, the canonical form, the store's columns, the wire codec and
/// the report's ordering all iterate `SimulationConfig.parameters`.
public struct ParameterSpec: Sendable, Hashable {
    /// Name in sweep files and the canonical task form (`record_every`).
    public let name: String
    /// The type of its values.
    public let kind: ParameterKind
    /// Whether the parameter may be left unset (derived from others).
    public let optional: Bool
    /// One line of help.
    public let help: String
    /// The default as `--help` shows it; `nil` means the default configuration's value.
    public let shownDefault: String?
    /// Position among the grouping keys a report prefers (lower first); `nil` for parameters a
    /// report never groups by first (they follow in registry order).
    public let reportRank: Int?
    /// The values it accepts beyond its kind, judged alone (`nil`: every value of the kind). The
    /// CLI, the sweep-file reader and `validate()` all check it, so they give the same message.
    public let range: ParameterRange?
    /// Whether `validate()` checks `range` on the configuration's field; `false` where the
    /// field's type already excludes what the range refuses (the seed, a `UInt64`), so the range
    /// is checked only where a value is read (`check(_:)`).
    let validatesField: Bool
    /// Reads the parameter from a configuration.
    let read: @Sendable (SimulationConfig) -> ParameterValue
    /// Writes a value already checked against `kind` (integers already converted for reals,
    /// `.unset` only for optional parameters); throws for a value outside the type's domain.
    let write: @Sendable (inout SimulationConfig, ParameterValue) throws(ParameterError) -> Void

    /// The command-line flag (`--record-every`).
    public var flag: String { "--" + String(name.map { $0 == "_" ? "-" : $0 }) }

    /// This parameter's value in `config` (`SimulationConfig.value(of:)` without the lookup by name).
    /// - Parameter config: a configuration.
    /// - Returns: the value, `.unset` for an optional parameter left unset.
    public func value(in config: SimulationConfig) -> ParameterValue { read(config) }

    /// The default configuration's value of this parameter.
    public var defaultValue: ParameterValue { read(SimulationConfig()) }

    /// Creates a value from its members (see the properties).
    init(
        name: String, kind: ParameterKind, optional: Bool, help: String, shownDefault: String?, reportRank: Int?,
        range: ParameterRange? = nil, validatesField: Bool = true,
        read: @escaping @Sendable (SimulationConfig) -> ParameterValue,
        write: @escaping @Sendable (inout SimulationConfig, ParameterValue) throws(ParameterError) -> Void
    ) {
        self.name = name
        self.kind = kind
        self.optional = optional
        self.help = help
        self.shownDefault = shownDefault
        self.reportRank = reportRank
        self.range = range
        self.validatesField = validatesField
        self.read = read
        self.write = write
    }

    /// Checks a value against `range`, on its own (as a flag or a sweep file gives it; integers
    /// count as reals for a real parameter, as `SimulationConfig.set` takes them).
    /// - Parameter value: a value of the parameter's kind.
    /// - Throws: `ParameterError` with the range's message (`depth: must be an integer ≥ 1, got 0`).
    public func check(_ value: ParameterValue) throws(ParameterError) {
        var typed = value
        switch (kind, value) {
        case (.real, .integer(let v)): typed = .real(Double(v))
        case (.realList, .integer(let v)): typed = .realList([Double(v)])
        case (.realList, .real(let v)): typed = .realList([v])
        default: break
        }
        if let message = range?.violation(typed) { throw ParameterError(parameter: name, message: message) }
    }

    public static func == (a: ParameterSpec, b: ParameterSpec) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// A parameter value a user supplied does not fit its parameter.
public struct ParameterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The parameter's sweep name (`record_every`).
    public let parameter: String
    /// What is wrong and what is allowed, e.g. "must be an integer ≥ 1, got 0".
    public let message: String

    /// Creates a value from its members (see the properties).
    public init(parameter: String, message: String) {
        self.parameter = parameter
        self.message = message
    }

    /// `parameter: message`.
    public var description: String { "\(parameter): \(message)" }
}

extension SimulationConfig {
    /// Every parameter, in canonical order. The order is part of the stable task-key format: append only.
    /// Adding a parameter: a field of `SimulationConfig` and an entry here (with its `range`); a
    /// check that involves other parameters goes into `validateCombination()`.
    public static let parameters: [ParameterSpec] = [
        .choice("problem", \.problem, rank: 1, help: "recovery problem"),
        .integer(
            "n", \.n, rank: 8, shown: "length of the spectrum", range: .atLeast(1),
            help: "matrix dimension (default: spectrum length)"),
        .integer("depth", \.depth, rank: 2, range: .atLeast(1), help: "number of factors N"),
        .realList(
            "spectrum", \.spectrum, rank: 11,
            shown: SimulationConfig.defaultSpectrum.map { $0.rounded() == $0 ? String(Int($0)) : String($0) }
                .joined(separator: ","),
            range: .nonEmptyList(item: "eigenvalue"),
            help: "eigenvalues of Y, padded with zeros up to n (default 10,5,2,1,0.5)"),
        .integer("rank", \.rank, rank: 9, shown: "none", range: .atLeast(1), help: "rank of a generated spectrum"),
        .real(
            "decay", \.decay, rank: 10, range: .leftOpen(0, 1),
            help: "ratio of consecutive eigenvalues of a generated spectrum"),
        .real("noise", \.noise, rank: 5, range: .atLeast(0), help: "std of symmetric Gaussian noise on Y"),
        .choice("init", \.initKind, rank: 0, help: "factor initialisation"),
        .real("alpha", \.alpha, rank: 6, range: .above(0), help: "scale of one factor at init"),
        .real("eta", \.eta, rank: 7, range: .above(0), help: "step size"),
        .integer("steps", \.steps, rank: 12, range: .atLeast(0), help: "number of GD updates"),
        .integer("record_every", \.recordEvery, rank: 13, range: .atLeast(1), help: "record every k steps"),
        .real("tolerance", \.tolerance, rank: 14, range: .above(0), help: "interval tolerance on erank"),
        ParameterSpec(
            name: "seed", kind: .integer, optional: false, help: "PRNG seed", shownDefault: nil, reportRank: nil,
            range: .atLeast(0), validatesField: false,
            read: { .integer(Int(bitPattern: UInt($0.seed))) },
            write: { (c: inout SimulationConfig, v: ParameterValue) throws(ParameterError) in
                guard case .integer(let i) = v, i >= 0 else {
                    throw ParameterError(parameter: "seed", message: "expected an integer, got \(v)")
                }
                c.seed = UInt64(i)
            }),
        .choice("path", \.path, rank: 15, help: "solver path"),
        .integer(
            "measurements", \.measurements, rank: 3, shown: "min(rows·n, 5·max(rows, n)·rank)", range: .atLeast(1),
            help: "sensing measurements m"),
        .real("observed", \.observed, rank: 4, range: .leftOpen(0, 1), help: "observed fraction p (completion)"),
        .real(
            "stop_loss", \.stopLoss, rank: 16, shown: "none", range: .above(0),
            help: "stop as converged below this loss"),
        .integer("rows", \.rows, rank: 17, shown: "n", range: .atLeast(1), help: "rows of the target Y (default: n)"),
        ParameterSpec(
            name: "symmetric", kind: .choice(["true", "false"]), optional: false,
            help: "symmetric target V diag(λ) Vᵀ, or U diag(σ) Vᵀ with independent U, V", shownDefault: nil,
            reportRank: 18, read: { .text($0.symmetric ? "true" : "false") },
            write: { (c: inout SimulationConfig, v: ParameterValue) throws(ParameterError) in
                c.symmetric = v == .text("true")
            }),
        .integer(
            "width", \.width, rank: 19, shown: "n, or max(rows, n) when rows ≠ n", range: .atLeast(1),
            help: "hidden width d of the factors (default: n, or max(rows, n) when rows ≠ n)"),
        .choice(
            "alpha_scope", \.alphaScope, rank: 20, help: "alpha scales one factor, or the product (α^(1/N) per factor)"),
        .matrix(
            "target", \.target, range: .finiteMatrix,
            help: "your own target Y (rows×n) from a .npy or .csv file (default: drawn from the seed)"),
        .matrix(
            "clean", \.clean, range: .finiteMatrix,
            help: "the clean Y the errors compare to, when target is noisy (default: target)"),
        .matrix(
            "mask", \.mask, range: .zeroOneMatrix,
            help: "completion: 1 for observed entries, 0 otherwise (default: drawn with probability observed)"),
    ]

    /// Looks up a parameter by its sweep name.
    /// - Parameter name: the name as written in sweep files, e.g. `record_every`.
    /// - Returns: its spec, or `nil` for an unknown name.
    public static func parameter(named name: String) -> ParameterSpec? {
        parameterIndex[name].map { parameters[$0] }
    }

    /// Each parameter's position in `parameters`, by name: a lookup by name is one hash, not a
    /// scan that copies every spec before it (the wire codec and the canonical form look up every
    /// parameter of every task).
    private static let parameterIndex: [String: Int] = Dictionary(
        uniqueKeysWithValues: parameters.enumerated().map { ($1.name, $0) })

    /// The current value of a parameter.
    /// - Parameter name: the sweep name (`record_every`).
    /// - Returns: the value, or `nil` for an unknown name.
    public func value(of name: String) -> ParameterValue? {
        Self.parameter(named: name)?.read(self)
    }

    /// Sets a parameter from a typed value, checking only its type (ranges: `ParameterSpec.check`
    /// and `validate()`).
    /// Integers are accepted where reals are expected; `.unset` only for optional parameters.
    /// - Parameters:
    ///   - name: the parameter name.
    ///   - value: the new value.
    /// - Throws: `ParameterError` for an unknown name or a value of the wrong type.
    public mutating func set(_ name: String, to value: ParameterValue) throws(ParameterError) {
        guard let spec = Self.parameter(named: name) else {
            throw ParameterError(parameter: name, message: "unknown parameter")
        }
        try set(spec, to: value)
    }

    /// Sets the parameter `spec` from a typed value, as `set(_:to:)` does for a name.
    /// - Parameters:
    ///   - spec: one of `parameters`.
    ///   - value: the new value.
    /// - Throws: `ParameterError` for a value of the wrong type.
    public mutating func set(_ spec: ParameterSpec, to value: ParameterValue) throws(ParameterError) {
        let name = spec.name
        func wrong() -> ParameterError {
            ParameterError(parameter: name, message: "expected \(spec.kind.expected), got \(value)")
        }
        if case .unset = value {
            guard spec.optional else {
                throw ParameterError(parameter: name, message: "must be set: expected \(spec.kind.expected)")
            }
            try spec.write(&self, .unset)
            return
        }
        let typed: ParameterValue
        switch (spec.kind, value) {
        case (.integer, .integer): typed = value
        case (.real, .integer(let v)): typed = .real(Double(v))
        case (.real, .real(let v)) where v.isFinite: typed = value
        case (.choice(let words), .text(let v)) where words.contains(v): typed = value
        case (.realList, .realList(let list)) where list.allSatisfy(\.isFinite): typed = value
        case (.realList, .integer(let v)): typed = .realList([Double(v)])
        case (.realList, .real(let v)) where v.isFinite: typed = .realList([v])
        case (.matrix, .matrix): typed = value
        default: throw wrong()
        }
        do {
            try spec.write(&self, typed)
        } catch {
            throw wrong()
        }
    }
}

extension ParameterSpec {
    /// An integer parameter stored in `field` (optional when the field is).
    static func integer(
        _ name: String, _ field: WritableKeyPath<SimulationConfig, Int> & Sendable, rank: Int?, shown: String? = nil,
        range: ParameterRange? = nil, help: String
    ) -> ParameterSpec {
        ParameterSpec(
            name: name, kind: .integer, optional: false, help: help, shownDefault: shown, reportRank: rank,
            range: range,
            read: { .integer($0[keyPath: field]) },
            write: { (c: inout SimulationConfig, v: ParameterValue) throws(ParameterError) in
                guard case .integer(let i) = v else { throw ParameterError(parameter: name, message: "\(v)") }
                c[keyPath: field] = i
            })
    }

    static func integer(
        _ name: String, _ field: WritableKeyPath<SimulationConfig, Int?> & Sendable, rank: Int?, shown: String? = nil,
        range: ParameterRange? = nil, help: String
    ) -> ParameterSpec {
        ParameterSpec(
            name: name, kind: .integer, optional: true, help: help, shownDefault: shown, reportRank: rank,
            range: range,
            read: { $0[keyPath: field].map(ParameterValue.integer) ?? .unset },
            write: { (c: inout SimulationConfig, v: ParameterValue) throws(ParameterError) in
                switch v {
                case .integer(let i): c[keyPath: field] = i
                case .unset: c[keyPath: field] = nil
                default: throw ParameterError(parameter: name, message: "\(v)")
                }
            })
    }

    static func real(
        _ name: String, _ field: WritableKeyPath<SimulationConfig, Double> & Sendable, rank: Int?, shown: String? = nil,
        range: ParameterRange? = nil, help: String
    ) -> ParameterSpec {
        ParameterSpec(
            name: name, kind: .real, optional: false, help: help, shownDefault: shown, reportRank: rank,
            range: range,
            read: { .real($0[keyPath: field]) },
            write: { (c: inout SimulationConfig, v: ParameterValue) throws(ParameterError) in
                guard case .real(let d) = v else { throw ParameterError(parameter: name, message: "\(v)") }
                c[keyPath: field] = d
            })
    }

    static func real(
        _ name: String, _ field: WritableKeyPath<SimulationConfig, Double?> & Sendable, rank: Int?,
        shown: String? = nil, range: ParameterRange? = nil, help: String
    ) -> ParameterSpec {
        ParameterSpec(
            name: name, kind: .real, optional: true, help: help, shownDefault: shown, reportRank: rank,
            range: range,
            read: { $0[keyPath: field].map(ParameterValue.real) ?? .unset },
            write: { (c: inout SimulationConfig, v: ParameterValue) throws(ParameterError) in
                switch v {
                case .real(let d): c[keyPath: field] = d
                case .unset: c[keyPath: field] = nil
                default: throw ParameterError(parameter: name, message: "\(v)")
                }
            })
    }

    static func realList(
        _ name: String, _ field: WritableKeyPath<SimulationConfig, [Double]?> & Sendable, rank: Int?,
        shown: String? = nil, range: ParameterRange? = nil, help: String
    ) -> ParameterSpec {
        ParameterSpec(
            name: name, kind: .realList, optional: true, help: help, shownDefault: shown, reportRank: rank,
            range: range,
            read: { $0[keyPath: field].map(ParameterValue.realList) ?? .unset },
            write: { (c: inout SimulationConfig, v: ParameterValue) throws(ParameterError) in
                switch v {
                case .realList(let list): c[keyPath: field] = list
                case .unset: c[keyPath: field] = nil
                default: throw ParameterError(parameter: name, message: "\(v)")
                }
            })
    }

    /// A choice among the raw values of an enumeration, in declaration order.
    static func choice<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ field: WritableKeyPath<SimulationConfig, E> & Sendable, rank: Int?, help: String
    ) -> ParameterSpec where E.RawValue == String {
        ParameterSpec(
            name: name, kind: .choice(E.allCases.map(\.rawValue)), optional: false, help: help, shownDefault: nil,
            reportRank: rank, read: { .text($0[keyPath: field].rawValue) },
            write: { (c: inout SimulationConfig, v: ParameterValue) throws(ParameterError) in
                guard case .text(let word) = v, let e = E(rawValue: word) else {
                    throw ParameterError(parameter: name, message: "\(v)")
                }
                c[keyPath: field] = e
            })
    }

    static func matrix(
        _ name: String, _ field: WritableKeyPath<SimulationConfig, MatrixValue?> & Sendable, range: ParameterRange,
        help: String
    ) -> ParameterSpec {
        ParameterSpec(
            name: name, kind: .matrix, optional: true, help: help, shownDefault: "none", reportRank: nil, range: range,
            read: { $0[keyPath: field].map(ParameterValue.matrix) ?? .unset },
            write: { (c: inout SimulationConfig, v: ParameterValue) throws(ParameterError) in
                switch v {
                case .matrix(let m): c[keyPath: field] = m
                case .unset: c[keyPath: field] = nil
                default: throw ParameterError(parameter: name, message: "\(v)")
                }
            })
    }
}
