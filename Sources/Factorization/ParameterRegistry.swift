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

/// The description of one parameter — everything every layer needs, in one place: its name, type,
/// help, the default shown in `--help`, its rank as a report grouping key, and how it is read from
/// and written to a `SimulationConfig`. The CLI flags, the sweep-file reader, the canonical form,
/// the store's columns, the wire codec and the report's ordering all iterate `SimulationConfig.parameters`.
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
    /// Reads the parameter from a configuration.
    let read: @Sendable (SimulationConfig) -> ParameterValue
    /// Writes a value already checked against `kind` (integers already converted for reals,
    /// `.unset` only for optional parameters); throws for a value outside the type's domain.
    let write: @Sendable (inout SimulationConfig, ParameterValue) throws(ParameterError) -> Void

    /// The command-line flag (`--record-every`).
    public var flag: String { "--" + String(name.map { $0 == "_" ? "-" : $0 }) }

    /// The default configuration's value of this parameter.
    public var defaultValue: ParameterValue { read(SimulationConfig()) }

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
    /// Adding a parameter: a field of `SimulationConfig`, an entry here, and its checks in `validate()`.
    public static let parameters: [ParameterSpec] = [
        .choice("problem", \.problem, rank: 1, help: "recovery problem"),
        .integer(
            "n", \.n, rank: 8, shown: "length of the spectrum", help: "matrix dimension (default: spectrum length)"),
        .integer("depth", \.depth, rank: 2, help: "number of factors N ≥ 1"),
        .realList(
            "spectrum", \.spectrum, rank: 11,
            shown: SimulationConfig.defaultSpectrum.map { $0.rounded() == $0 ? String(Int($0)) : String($0) }
                .joined(separator: ","),
            help: "eigenvalues of Y, padded with zeros up to n (default 10,5,2,1,0.5)"),
        .integer("rank", \.rank, rank: 9, shown: "none", help: "rank of a generated spectrum"),
        .real("decay", \.decay, rank: 10, help: "ratio of consecutive eigenvalues of a generated spectrum"),
        .real("noise", \.noise, rank: 5, help: "std of symmetric Gaussian noise on Y"),
        .choice("init", \.initKind, rank: 0, help: "factor initialisation"),
        .real("alpha", \.alpha, rank: 6, help: "scale of one factor at init"),
        .real("eta", \.eta, rank: 7, help: "step size"),
        .integer("steps", \.steps, rank: 12, help: "number of GD updates"),
        .integer("record_every", \.recordEvery, rank: 13, help: "record every k steps"),
        .real("tolerance", \.tolerance, rank: 14, help: "interval tolerance on erank"),
        ParameterSpec(
            name: "seed", kind: .integer, optional: false, help: "PRNG seed", shownDefault: nil, reportRank: nil,
            read: { .integer(Int(bitPattern: UInt($0.seed))) },
            write: { (c: inout SimulationConfig, v: ParameterValue) throws(ParameterError) in
                guard case .integer(let i) = v, i >= 0 else {
                    throw ParameterError(parameter: "seed", message: "expected an integer, got \(v)")
                }
                c.seed = UInt64(i)
            }),
        .choice("path", \.path, rank: 15, help: "solver path"),
        .integer(
            "measurements", \.measurements, rank: 3, shown: "min(rows·n, 5·max(rows, n)·rank)",
            help: "sensing measurements m"),
        .real("observed", \.observed, rank: 4, help: "observed fraction p (completion)"),
        .real("stop_loss", \.stopLoss, rank: 16, shown: "none", help: "stop as converged below this loss"),
        .integer("rows", \.rows, rank: 17, shown: "n", help: "rows of the target Y (default: n)"),
        ParameterSpec(
            name: "symmetric", kind: .choice(["true", "false"]), optional: false,
            help: "symmetric target V diag(λ) Vᵀ, or U diag(σ) Vᵀ with independent U, V", shownDefault: nil,
            reportRank: 18, read: { .text($0.symmetric ? "true" : "false") },
            write: { (c: inout SimulationConfig, v: ParameterValue) throws(ParameterError) in
                c.symmetric = v == .text("true")
            }),
        .integer(
            "width", \.width, rank: 19, shown: "n, or max(rows, n) when rows ≠ n",
            help: "hidden width d of the factors (default: n, or max(rows, n) when rows ≠ n)"),
        .choice(
            "alpha_scope", \.alphaScope, rank: 20, help: "alpha scales one factor, or the product (α^(1/N) per factor)"),
        .matrix(
            "target", \.target,
            help: "your own target Y (rows×n) from a .npy or .csv file (default: drawn from the seed)"),
        .matrix("clean", \.clean, help: "the clean Y the errors compare to, when target is noisy (default: target)"),
        .matrix(
            "mask", \.mask,
            help: "completion: 1 for observed entries, 0 otherwise (default: drawn with probability observed)"),
    ]

    /// Looks up a parameter by its sweep name.
    /// - Parameter name: the name as written in sweep files, e.g. `record_every`.
    /// - Returns: its spec, or `nil` for an unknown name.
    public static func parameter(named name: String) -> ParameterSpec? {
        parameters.first { $0.name == name }
    }

    /// The current value of a parameter.
    /// - Parameter name: the sweep name (`record_every`).
    /// - Returns: the value, or `nil` for an unknown name.
    public func value(of name: String) -> ParameterValue? {
        Self.parameter(named: name)?.read(self)
    }

    /// Sets a parameter from a typed value, checking only its type (ranges: `validate()`).
    /// Integers are accepted where reals are expected; `.unset` only for optional parameters.
    /// - Parameters:
    ///   - name: the parameter name.
    ///   - value: the new value.
    /// - Throws: `ParameterError` for an unknown name or a value of the wrong type.
    public mutating func set(_ name: String, to value: ParameterValue) throws(ParameterError) {
        guard let spec = Self.parameter(named: name) else {
            throw ParameterError(parameter: name, message: "unknown parameter")
        }
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
        help: String
    ) -> ParameterSpec {
        ParameterSpec(
            name: name, kind: .integer, optional: false, help: help, shownDefault: shown, reportRank: rank,
            read: { .integer($0[keyPath: field]) },
            write: { (c: inout SimulationConfig, v: ParameterValue) throws(ParameterError) in
                guard case .integer(let i) = v else { throw ParameterError(parameter: name, message: "\(v)") }
                c[keyPath: field] = i
            })
    }

    static func integer(
        _ name: String, _ field: WritableKeyPath<SimulationConfig, Int?> & Sendable, rank: Int?, shown: String? = nil,
        help: String
    ) -> ParameterSpec {
        ParameterSpec(
            name: name, kind: .integer, optional: true, help: help, shownDefault: shown, reportRank: rank,
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
        help: String
    ) -> ParameterSpec {
        ParameterSpec(
            name: name, kind: .real, optional: false, help: help, shownDefault: shown, reportRank: rank,
            read: { .real($0[keyPath: field]) },
            write: { (c: inout SimulationConfig, v: ParameterValue) throws(ParameterError) in
                guard case .real(let d) = v else { throw ParameterError(parameter: name, message: "\(v)") }
                c[keyPath: field] = d
            })
    }

    static func real(
        _ name: String, _ field: WritableKeyPath<SimulationConfig, Double?> & Sendable, rank: Int?,
        shown: String? = nil, help: String
    ) -> ParameterSpec {
        ParameterSpec(
            name: name, kind: .real, optional: true, help: help, shownDefault: shown, reportRank: rank,
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
        shown: String? = nil, help: String
    ) -> ParameterSpec {
        ParameterSpec(
            name: name, kind: .realList, optional: true, help: help, shownDefault: shown, reportRank: rank,
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
        _ name: String, _ field: WritableKeyPath<SimulationConfig, MatrixValue?> & Sendable, help: String
    ) -> ParameterSpec {
        ParameterSpec(
            name: name, kind: .matrix, optional: true, help: help, shownDefault: "none", reportRank: nil,
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
