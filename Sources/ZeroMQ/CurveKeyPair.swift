import CZeroMQ
import Foundation

/// A CURVE (Curve25519) long-term key pair, both keys as 40-character Z85 text (zmq_curve(7)).
///
/// The secret key must stay private: it is written only to `NAME.secret` files of mode 0600.
/// `description` never prints it.
public struct CurveKeyPair: Sendable, Equatable, CustomStringConvertible {
    /// The public key, 40 Z85 characters.
    public let publicKey: String
    /// The secret key, 40 Z85 characters.
    public let secretKey: String

    /// A fresh random key pair (`zmq_curve_keypair`).
    /// - Returns: the new key pair.
    /// - Throws: `ZMQError` (`ENOTSUP` if libzmq was built without CURVE).
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41)
        var sec = [CChar](repeating: 0, count: 41)
        _ = try zmqRequire("zmq_curve_keypair") { zmq_curve_keypair(&pub, &sec) }
        return CurveKeyPair(
            uncheckedPublic: String(decoding: pub.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self),
            secret: String(decoding: sec.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// The key pair of `secretKey`, deriving its public key (`zmq_curve_public`).
    /// - Parameter secretKey: 40 Z85 characters.
    /// - Throws: `CurveKeyError.invalidKey` if `secretKey` is not 40 valid Z85 characters.
    public init(secretKey: String) throws(CurveKeyError) {
        try Z85.validateKey(secretKey, what: "secret key")
        var pub = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&pub, secretKey) == 0 else {
            throw .invalidKey(what: "secret key", reason: String(cString: zmq_strerror(zmq_errno())))
        }
        self.init(
            uncheckedPublic: String(decoding: pub.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self),
            secret: secretKey)
    }

    /// The key pair of `secretKey`, checking that `publicKey` belongs to it.
    /// - Parameters:
    ///   - publicKey: 40 Z85 characters.
    ///   - secretKey: 40 Z85 characters.
    /// - Throws: `CurveKeyError.invalidKey` or `.mismatchedKeys`.
    public init(publicKey: String, secretKey: String) throws(CurveKeyError) {
        try Z85.validateKey(publicKey, what: "public key")
        let derived = try CurveKeyPair(secretKey: secretKey)
        guard derived.publicKey == publicKey else { throw .mismatchedKeys(path: nil) }
        self = derived
    }

    private init(uncheckedPublic: String, secret: String) {
        publicKey = uncheckedPublic
        secretKey = secret
    }

    /// The public key only: the secret key never appears in logs.
    public var description: String { "CurveKeyPair(public: \(publicKey), secret: <hidden>)" }
}

/// Z85 encoding (ZeroMQ RFC 32), as used for CURVE keys.
public enum Z85 {
    /// The 85 characters of the Z85 alphabet.
    public static let alphabet = Set(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")

    /// Encodes `bytes` (length a multiple of 4) as Z85 text.
    /// - Parameter bytes: the binary data.
    /// - Returns: the text, or `nil` if the length is not a multiple of 4.
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count % 4 == 0 else { return nil }
        var out = [CChar](repeating: 0, count: bytes.count * 5 / 4 + 1)
        guard zmq_z85_encode(&out, bytes, bytes.count) != nil else { return nil }
        return String(decoding: out.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Decodes Z85 `text` (length a multiple of 5).
    /// - Parameter text: Z85 characters.
    /// - Returns: the bytes, or `nil` for a bad length or a character outside the alphabet.
    public static func decode(_ text: String) -> [UInt8]? {
        guard text.count % 5 == 0, text.allSatisfy(alphabet.contains) else { return nil }
        var out = [UInt8](repeating: 0, count: text.utf8.count * 4 / 5)
        guard zmq_z85_decode(&out, text) != nil else { return nil }
        return out
    }

    /// Checks that `key` is a 40-character Z85 CURVE key.
    /// - Throws: `CurveKeyError.invalidKey` naming what is wrong.
    static func validateKey(_ key: String, what: String) throws(CurveKeyError) {
        guard key.count == 40 else {
            throw .invalidKey(what: what, reason: "expected 40 Z85 characters, got \(key.count)")
        }
        if let bad = key.first(where: { !alphabet.contains($0) }) {
            throw .invalidKey(what: what, reason: "'\(bad)' is not a Z85 character")
        }
        guard decode(key)?.count == 32 else { throw .invalidKey(what: what, reason: "not valid Z85") }
    }
}
