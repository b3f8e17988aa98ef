import CCrypto
import Factorization

extension TaskKey {
    /// The key of a configuration: the lowercase hex SHA-256 of `CanonicalForm.json(for:)`.
    /// - Parameter config: a configuration (normally one that passed `validate()`).
    public init(for config: SimulationConfig) {
        self.init(canonicalJSON: CanonicalForm.json(for: config))
    }

    /// The key of a canonical JSON text (its SHA-256 in lowercase hex).
    public init(canonicalJSON: String) {
        self.init(hex: SHA256Digest.hex(of: Array(canonicalJSON.utf8)))
    }
}

extension SweepTask {
    /// A task for a configuration, with its canonical form and key.
    public init(config: SimulationConfig) {
        let json = CanonicalForm.json(for: config)
        self.init(key: TaskKey(canonicalJSON: json), config: config, canonicalJSON: json)
    }
}

/// SHA-256 through OpenSSL's libcrypto (`EVP_Digest` with `EVP_sha256()`, one shot; see
/// https://www.openssl.org/docs/man3.0/man3/EVP_Digest.html).
enum SHA256Digest {
    /// The 32-byte digest of `bytes`.
    static func digest(of bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        // EVP_Digest fails only when libcrypto cannot allocate a context: nothing sensible to do.
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        return out
    }

    /// The digest of `bytes` as 64 lowercase hex digits.
    static func hex(of bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for b in digest(of: bytes) {
            text.append(digits[Int(b >> 4)])
            text.append(digits[Int(b & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
