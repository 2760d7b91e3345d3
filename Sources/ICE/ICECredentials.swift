/// A short-term ICE credential pair: ufrag and password (RFC 8445 §5.3, syntax RFC 8839 §5.4:
/// `ice-ufrag` is 4–256 and `ice-pwd` 22–256 ice-chars, ice-char = ALPHA / DIGIT / "+" / "/").
public struct ICECredentials: Sendable, Hashable {
    public let ufrag: String
    public let password: String

    /// Validated credentials.
    /// - Throws: `ICEError.invalidUfrag` or `.invalidPassword` when the syntax is wrong.
    public init(ufrag: String, password: String) throws(ICEError) {
        guard Self.isValid(ufrag, length: 4...256) else { throw .invalidUfrag(ufrag) }
        guard Self.isValid(password, length: 22...256) else { throw .invalidPassword }
        self.ufrag = ufrag
        self.password = password
    }

    private init(unchecked ufrag: String, password: String) {
        self.ufrag = ufrag
        self.password = password
    }

    /// Fresh random credentials: an 8-char ufrag (48 bits) and a 24-char password (144 bits),
    /// above RFC 8445 §5.3's minimum of 24 and 128 bits of randomness.
    public static func generate() -> ICECredentials {
        var g = SystemRandomNumberGenerator()
        return generate(using: &g)
    }

    /// Credentials drawn from `generator`.
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> ICECredentials {
        func draw(_ n: Int) -> String {
            String(decoding: (0..<n).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] },
                   as: UTF8.self)
        }
        return ICECredentials(unchecked: draw(8), password: draw(24))
    }

    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func isValid(_ s: String, length: ClosedRange<Int>) -> Bool {
        length.contains(s.utf8.count) && s.utf8.allSatisfy { alphabet.contains($0) }
    }
}
