import Foundation

/// Reads the committed JSON fixtures made by `Benchmarks/fixtures/make_core_fixtures.py`.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures")

    static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(T.self, from: data)
    }
}

/// `|a − b| ≤ rel · max(|a|, |b|) + abs`.
func close(_ a: Double, _ b: Double, rel: Double, abs absolute: Double = 0) -> Bool {
    abs(a - b) <= rel * max(abs(a), abs(b)) + absolute
}
