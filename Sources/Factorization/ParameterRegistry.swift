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

/// The description of one parameter: its name, type, default and help text.
public struct ParameterSpec: Sendable, Hashable {
    /// Name in sweep files and the canonical task form (`record_every`).
    public let name: String
    /// The type of its values.
    public let kind: ParameterKind
    /// Whether the parameter may be left unset (derived from others).
    public let optional: Bool
    /// One line of help.
    public let help: String

    /// The command-line flag (`--record-every`).
    public var flag: String { "--" + String(name.map { $0 == "_" ? "-" : $0 }) }
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
    public static let parameters: [ParameterSpec] = [
        ParameterSpec(
            name: "problem", kind: .choice(ProblemKind.allCases.map(\.rawValue)), optional: false,
            help: "recovery problem"),
        ParameterSpec(name: "n", kind: .integer, optional: true, help: "matrix dimension (default: spectrum length)"),
        ParameterSpec(name: "depth", kind: .integer, optional: false, help: "number of factors N ≥ 1"),
        ParameterSpec(
            name: "spectrum", kind: .realList, optional: true,
            help: "eigenvalues of Y, padded with zeros up to n (default 10,5,2,1,0.5)"),
        ParameterSpec(name: "rank", kind: .integer, optional: true, help: "rank of a generated spectrum"),
        ParameterSpec(
            name: "decay", kind: .real, optional: false,
            help: "ratio of consecutive eigenvalues of a generated spectrum"),
        ParameterSpec(name: "noise", kind: .real, optional: false, help: "std of symmetric Gaussian noise on Y"),
        ParameterSpec(
            name: "init", kind: .choice(InitKind.allCases.map(\.rawValue)), optional: false,
            help: "factor initialisation"),
        ParameterSpec(name: "alpha", kind: .real, optional: false, help: "scale of one factor at init"),
        ParameterSpec(name: "eta", kind: .real, optional: false, help: "step size"),
        ParameterSpec(name: "steps", kind: .integer, optional: false, help: "number of GD updates"),
        ParameterSpec(name: "record_every", kind: .integer, optional: false, help: "record every k steps"),
        ParameterSpec(name: "tolerance", kind: .real, optional: false, help: "interval tolerance on erank"),
        ParameterSpec(name: "seed", kind: .integer, optional: false, help: "PRNG seed"),
        ParameterSpec(
            name: "path", kind: .choice(SolverPath.allCases.map(\.rawValue)), optional: false,
            help: "solver path"),
        ParameterSpec(name: "measurements", kind: .integer, optional: true, help: "sensing measurements m"),
        ParameterSpec(name: "observed", kind: .real, optional: false, help: "observed fraction p (completion)"),
        ParameterSpec(name: "stop_loss", kind: .real, optional: true, help: "stop as converged below this loss"),
        ParameterSpec(name: "rows", kind: .integer, optional: true, help: "rows of the target Y (default: n)"),
        ParameterSpec(
            name: "symmetric", kind: .choice(["true", "false"]), optional: false,
            help: "symmetric target V diag(λ) Vᵀ, or U diag(σ) Vᵀ with independent U, V"),
        ParameterSpec(
            name: "width", kind: .integer, optional: true,
            help: "hidden width d of the factors (default: n, or max(rows, n) when rows ≠ n)"),
        ParameterSpec(
            name: "alpha_scope", kind: .choice(AlphaScope.allCases.map(\.rawValue)), optional: false,
            help: "alpha scales one factor, or the product (α^(1/N) per factor)"),
        ParameterSpec(
            name: "target", kind: .matrix, optional: true,
            help: "your own target Y (rows×n) from a .npy or .csv file (default: drawn from the seed)"),
        ParameterSpec(
            name: "clean", kind: .matrix, optional: true,
            help: "the clean Y the errors compare to, when target is noisy (default: target)"),
        ParameterSpec(
            name: "mask", kind: .matrix, optional: true,
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
        switch name {
        case "problem": return .text(problem.rawValue)
        case "n": return n.map(ParameterValue.integer) ?? .unset
        case "depth": return .integer(depth)
        case "spectrum": return spectrum.map(ParameterValue.realList) ?? .unset
        case "rank": return rank.map(ParameterValue.integer) ?? .unset
        case "decay": return .real(decay)
        case "noise": return .real(noise)
        case "init": return .text(initKind.rawValue)
        case "alpha": return .real(alpha)
        case "eta": return .real(eta)
        case "steps": return .integer(steps)
        case "record_every": return .integer(recordEvery)
        case "tolerance": return .real(tolerance)
        case "seed": return .integer(Int(bitPattern: UInt(seed)))
        case "path": return .text(path.rawValue)
        case "measurements": return measurements.map(ParameterValue.integer) ?? .unset
        case "observed": return .real(observed)
        case "stop_loss": return stopLoss.map(ParameterValue.real) ?? .unset
        case "rows": return rows.map(ParameterValue.integer) ?? .unset
        case "symmetric": return .text(symmetric ? "true" : "false")
        case "width": return width.map(ParameterValue.integer) ?? .unset
        case "alpha_scope": return .text(alphaScope.rawValue)
        case "target": return target.map(ParameterValue.matrix) ?? .unset
        case "clean": return clean.map(ParameterValue.matrix) ?? .unset
        case "mask": return mask.map(ParameterValue.matrix) ?? .unset
        default: return nil
        }
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
        if case .unset = value {
            guard spec.optional else {
                throw ParameterError(parameter: name, message: "must be set: expected \(spec.kind.expected)")
            }
        }
        func wrong() -> ParameterError {
            ParameterError(parameter: name, message: "expected \(spec.kind.expected), got \(value)")
        }
        func int() throws(ParameterError) -> Int? {
            switch value {
            case .integer(let v): return v
            case .unset: return nil
            default: throw wrong()
            }
        }
        func real() throws(ParameterError) -> Double? {
            switch value {
            case .integer(let v): return Double(v)
            case .real(let v):
                guard v.isFinite else { throw wrong() }
                return v
            case .unset: return nil
            default: throw wrong()
            }
        }
        func matrix() throws(ParameterError) -> MatrixValue? {
            switch value {
            case .matrix(let m): return m
            case .unset: return nil
            default: throw wrong()
            }
        }
        func text() throws(ParameterError) -> String {
            guard case .text(let v) = value, case .choice(let words) = spec.kind, words.contains(v) else {
                throw wrong()
            }
            return v
        }
        switch name {
        case "problem": problem = ProblemKind(rawValue: try text())!
        case "n": n = try int()
        case "depth": depth = try int()!
        case "spectrum":
            switch value {
            case .unset: spectrum = nil
            case .realList(let list):
                guard list.allSatisfy(\.isFinite) else { throw wrong() }
                spectrum = list
            case .integer(let v): spectrum = [Double(v)]
            case .real(let v):
                guard v.isFinite else { throw wrong() }
                spectrum = [v]
            case .text, .matrix: throw wrong()
            }
        case "rank": rank = try int()
        case "decay": decay = try real()!
        case "noise": noise = try real()!
        case "init": initKind = InitKind(rawValue: try text())!
        case "alpha": alpha = try real()!
        case "eta": eta = try real()!
        case "steps": steps = try int()!
        case "record_every": recordEvery = try int()!
        case "tolerance": tolerance = try real()!
        case "seed":
            guard let v = try int(), v >= 0 else { throw wrong() }
            seed = UInt64(v)
        case "path": path = SolverPath(rawValue: try text())!
        case "measurements": measurements = try int()
        case "observed": observed = try real()!
        case "stop_loss": stopLoss = try real()
        case "rows": rows = try int()
        case "symmetric": symmetric = try text() == "true"
        case "width": width = try int()
        case "alpha_scope": alphaScope = AlphaScope(rawValue: try text())!
        case "target": target = try matrix()
        case "clean": clean = try matrix()
        case "mask": mask = try matrix()
        default: throw ParameterError(parameter: name, message: "unknown parameter")
        }
    }
}
