import Factorization
import Foundation

extension SweepSpec {
    /// Expands the sweep into its tasks, deterministically, checking every task's combination of
    /// values with `SimulationConfig.validate()`.
    ///
    /// - grid: the Cartesian product of the parameters in the order written, the last one varying
    ///   fastest (like nested loops with the first parameter outermost); `value:` counts as one.
    /// - random: `count` tasks from `Xoshiro256StarStar(seed: seed)`. For each task, parameters are
    ///   visited in the order written; `value:` draws nothing, `values:` draws an index
    ///   (`uniformIndex`), a distribution draws as documented on `SweepDistribution`.
    /// - list: the runs in order; each starts from the defaults, then the shared `parameters:`
    ///   values, then the run's own values (a run's value wins over a shared one).
    ///
    /// Tasks with the same key (the same parameters spelled twice, e.g. `values: [1, 1.0]` or a
    /// repeated random draw) are collapsed, keeping the first; the order is otherwise preserved.
    /// - Returns: the tasks, without duplicates.
    /// - Throws: `SweepError` at the value that makes a task invalid, e.g.
    ///   `sweep.yaml:7:22: path: spectral is exact only for …`.
    public func expand() throws(SweepError) -> [SweepTask] {
        var tasks: [SweepTask] = []
        tasks.reserveCapacity(taskCount)
        var seen = Set<TaskKey>()
        func add(_ choices: [Choice], fallback: SourceMark, context: String) throws(SweepError) {
            let config = try configure(choices, fallback: fallback, context: context)
            let task = SweepTask(config: config)
            if seen.insert(task.key).inserted { tasks.append(task) }
        }
        switch method {
        case .grid:
            let domains = parameters.map { p -> [LocatedValue] in
                switch p.domain {
                case .value(let v): return [v]
                case .values(let list): return list
                case .distribution: return []  // refused for grids when reading
                }
            }
            var index = [Int](repeating: 0, count: parameters.count)
            for _ in 0..<taskCount {
                let choices = parameters.indices.map {
                    Choice(name: parameters[$0].name, value: domains[$0][index[$0]])
                }
                try add(choices, fallback: parametersMark, context: "")
                // Odometer: the last parameter varies fastest.
                var i = parameters.count - 1
                while i >= 0 {
                    index[i] += 1
                    if index[i] < domains[i].count { break }
                    index[i] = 0
                    i -= 1
                }
            }
        case .random:
            var rng = Xoshiro256StarStar(seed: seed)
            for t in 0..<taskCount {
                var choices: [Choice] = []
                for p in parameters {
                    choices.append(Choice(name: p.name, value: Self.draw(p, using: &rng)))
                }
                try add(choices, fallback: parametersMark, context: " (random task \(t + 1) of \(taskCount))")
            }
        case .list:
            let shared = parameters.map { p -> Choice in
                guard case .value(let v) = p.domain else { preconditionFailure("list parameters are values") }
                return Choice(name: p.name, value: v)
            }
            for run in runs {
                var choices = shared
                for p in run.parameters {
                    guard case .value(let v) = p.domain else { continue }
                    choices.removeAll { $0.name == p.name }
                    choices.append(Choice(name: p.name, value: v))
                }
                try add(choices, fallback: run.mark, context: "")
            }
        }
        return tasks
    }

    /// How many of the file's entries collapsed into earlier tasks with the same key, as one line
    /// for `plan` and `run`, or `nil` when none did. In a random sweep `count` counts draws, and a
    /// draw that repeats an earlier one is the same task (same parameters, same result), run once.
    /// - Parameter distinct: the number of tasks `expand()` returned.
    public func collapsedNote(distinct: Int) -> String? {
        let collapsed = taskCount - distinct
        guard collapsed > 0 else { return nil }
        let what: String
        switch method {
        case .random: what = "count: \(taskCount) draws, \(collapsed) of them repeated an earlier draw"
        case .grid: what = "\(taskCount) grid combinations, \(collapsed) of them repeated an earlier one"
        case .list: what = "\(taskCount) runs, \(collapsed) of them repeated an earlier run"
        }
        return "\(what) (same parameters, same task key) and collapsed into it: \(distinct) distinct task(s)"
    }

    /// One parameter's value in one task.
    private struct Choice {
        var name: String
        var value: LocatedValue
    }

    private func configure(_ choices: [Choice], fallback: SourceMark, context: String) throws(SweepError)
        -> SimulationConfig
    {
        var config = SimulationConfig()
        for c in choices {
            do {
                // The value's own range first (the registry's), as the sweep file's other values were.
                try SimulationConfig.parameter(named: c.name)?.check(c.value.value)
                try config.set(c.name, to: c.value.value)
            } catch {
                throw SweepError(file: fileName, mark: c.value.mark, message: error.description + context)
            }
        }
        do {
            try config.validate()
        } catch {
            let mark = choices.last { $0.name == error.parameter }?.value.mark ?? fallback
            throw SweepError(file: fileName, mark: mark, message: error.description + context)
        }
        return config
    }

    /// Draws a value for one parameter of a random sweep.
    private static func draw(_ p: SweepParameter, using rng: inout Xoshiro256StarStar) -> LocatedValue {
        switch p.domain {
        case .value(let v):
            return v
        case .values(let list):
            return list[Int(uniformIndex(below: UInt64(list.count), using: &rng))]
        case .distribution(let d, let lo, let hi):
            switch (d, lo.value, hi.value) {
            case (.intUniform, .integer(let a), .integer(let b)):
                // Width b − a + 1 computed in UInt64; 0 means the full 64-bit range.
                let width = UInt64(bitPattern: Int64(b &- a)) &+ 1
                let offset = width == 0 ? rng.next() : uniformIndex(below: width, using: &rng)
                return LocatedValue(value: .integer(a &+ Int(truncatingIfNeeded: offset)), mark: p.mark)
            case (.uniform, .real(let a), .real(let b)):
                return LocatedValue(value: .real(uniform(rng.nextUnit(), a, b)), mark: p.mark)
            case (.logUniformValues, .real(let a), .real(let b)):
                let u = rng.nextUnit()
                let x = exp(log(a) + (log(b) - log(a)) * u)
                return LocatedValue(value: .real(min(max(x, a), b)), mark: p.mark)
            default:
                preconditionFailure("distribution bounds are typed when reading")
            }
        }
    }

    /// `a + (b − a)·u` for u in [0, 1), kept inside [a, b]: rounding in the product or the sum (or
    /// `b − a` overflowing, for bounds of opposite sign near ±Double.greatestFiniteMagnitude, then
    /// computed as `a(1 − u) + b·u`) may land just outside, and a sampler never returns a value
    /// outside its bounds.
    static func uniform(_ u: Double, _ a: Double, _ b: Double) -> Double {
        let width = b - a
        let x = width.isFinite ? a + width * u : a * (1 - u) + b * u
        return min(max(x, a), b)
    }

    /// A uniform integer in `0..<n` (n ≥ 1) without modulo bias: draw r = next() until
    /// r ≥ 2^64 mod n, then return r mod n.
    static func uniformIndex(below n: UInt64, using rng: inout Xoshiro256StarStar) -> UInt64 {
        let threshold = (0 &- n) % n
        while true {
            let r = rng.next()
            if r >= threshold { return r % n }
        }
    }
}
