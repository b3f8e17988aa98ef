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
