import Factorization
import Foundation

/// Distinct values of parameters across tasks, in a natural order (numbers ascending).
enum ParameterValues {
    /// Parameters in the order a reader expects them as grouping keys: the registry's
    /// `reportRank`s, lowest first.
    static let preference = Factorization.SimulationConfig.parameters
        .compactMap { spec in spec.reportRank.map { (spec.name, $0) } }
        .sorted { $0.1 < $1.1 }.map(\.0)

    /// Distinct values of `name` over `tasks`, sorted numerically when all are numbers.
    static func distinct(_ name: String, in tasks: [TaskRecord]) -> [String] {
        var seen: [String] = []
        for t in tasks {
            let v = t.parameter(name)
            if !seen.contains(v) { seen.append(v) }
        }
        let numbers = seen.compactMap(Double.init)
        if numbers.count == seen.count { return seen.sorted { Double($0)! < Double($1)! } }
        return seen
    }

    /// Parameters other than `seed` that take more than one value, in preference order.
    static func varied(in tasks: [TaskRecord]) -> [String] {
        let names = Factorization.SimulationConfig.parameters.map(\.name).filter { $0 != "seed" }
        let ordered = preference.filter(names.contains) + names.filter { !preference.contains($0) }
        return ordered.filter { distinct($0, in: tasks).count > 1 }
    }

    /// Checks that `name` is a parameter.
    static func check(_ name: String) throws(ReportError) {
        let names = Factorization.SimulationConfig.parameters.map(\.name)
        guard names.contains(name) else {
            throw .unknownParameter(name: name, suggestion: closest(name, names))
        }
    }

    static func closest(_ word: String, _ candidates: [String]) -> String? {
        func distance(_ a: String, _ b: String) -> Int {
            let a = Array(a)
            let b = Array(b)
            var row = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var prev = row[0]
                row[0] = i
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    let cur = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                    prev = cur
                }
            }
            return row[b.count]
        }
        let best = candidates.map { ($0, distance(word, $0)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, word.count / 3) else { return nil }
        return best.0
    }
}
