/// A sweep file that cannot be used: where and why, one line.
///
/// Its `description` is `file:line:column: message` (lines and columns 1-based), the form
/// compilers use, so editors can jump to it. The CLI prints it on stderr and exits with status 2.
public struct SweepError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file name as given to `SweepFile.load(path:)` or `SweepFile.parse(text:fileName:)`.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column (in characters).
    public var column: Int
    /// What is wrong and, where possible, what to write instead.
    public var message: String

    /// Creates an error.
    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    init(file: String, mark: SourceMark, message: String) {
        self.init(file: file, line: mark.line, column: mark.column, message: message)
    }

    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// "Did you mean" suggestions by edit distance.
enum Suggestion {
    /// The candidate closest to `word` if it is close enough to be a plausible typo
    /// (optimal-string-alignment distance ≤ max(2, |word|/3), and not the whole word).
    static func closest(to word: String, among candidates: [String]) -> String? {
        var best: (String, Int)?
        for c in candidates {
            let d = distance(word.lowercased(), c.lowercased())
            if best == nil || d < best!.1 { best = (c, d) }
        }
        guard let (candidate, d) = best, d <= max(2, word.count / 3), d < word.count else { return nil }
        return candidate
    }

    /// " (did you mean 'x'?)" or "".
    static func hint(for word: String, among candidates: [String]) -> String {
        closest(to: word, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
