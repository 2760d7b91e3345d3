/// A whole session description (RFC 8866 §5), the unit of offer and answer
/// (RFC 3264, JSEP RFC 8829). Lines are modelled field by field; attributes
/// are kept in order so unknown ones survive a round trip.
public struct SessionDescription: Sendable, Equatable, SDPAttributeContainer {
    /// `v=`; always 0.
    public var version: Int
    public var origin: SDPOrigin
    /// `s=`; JSEP uses `-`.
    public var sessionName: String
    /// `i=`, `u=`, `e=`, `p=` lines, verbatim.
    public var information: String?
    public var uri: String?
    public var emails: [String]
    public var phones: [String]
    /// Session-level `c=`.
    public var connection: SDPConnection?
    /// `b=` lines, verbatim.
    public var bandwidths: [String]
    /// `t=` lines (with their `r=`); at least one.
    public var timings: [SDPTiming]
    /// `z=` line, verbatim.
    public var timeZones: String?
    /// `k=` line, verbatim.
    public var encryptionKey: String?
    /// Session-level `a=` lines, in order.
    public var attributes: [SDPAttribute]
    public var media: [MediaDescription]

    public init(version: Int = 0, origin: SDPOrigin, sessionName: String = "-", information: String? = nil,
                uri: String? = nil, emails: [String] = [], phones: [String] = [], connection: SDPConnection? = nil,
                bandwidths: [String] = [], timings: [SDPTiming] = [SDPTiming()], timeZones: String? = nil,
                encryptionKey: String? = nil, attributes: [SDPAttribute] = [], media: [MediaDescription] = []) {
        self.version = version
        self.origin = origin
        self.sessionName = sessionName
        self.information = information
        self.uri = uri
        self.emails = emails
        self.phones = phones
        self.connection = connection
        self.bandwidths = bandwidths
        self.timings = timings
        self.timeZones = timeZones
        self.encryptionKey = encryptionKey
        self.attributes = attributes
        self.media = media
    }

    /// The description as SDP text with `\r\n` line ends, fields in the
    /// order of RFC 8866 §5.
    public var serialized: String {
        var out = ""
        out.reserveCapacity(2048)
        out += "v=\(version)\r\n"
        out += "o=\(origin.serialized)\r\n"
        out += "s=\(sessionName)\r\n"
        if let information { out += "i=\(information)\r\n" }
        if let uri { out += "u=\(uri)\r\n" }
        for email in emails { out += "e=\(email)\r\n" }
        for phone in phones { out += "p=\(phone)\r\n" }
        if let connection { out += "c=\(connection.serialized)\r\n" }
        for bandwidth in bandwidths { out += "b=\(bandwidth)\r\n" }
        for timing in timings {
            out += "t=\(timing.serialized)\r\n"
            for repeatLine in timing.repeats { out += "r=\(repeatLine)\r\n" }
        }
        if let timeZones { out += "z=\(timeZones)\r\n" }
        if let encryptionKey { out += "k=\(encryptionKey)\r\n" }
        for attribute in attributes { out += "a=\(attribute.serialized)\r\n" }
        for section in media { section.serialize(into: &out) }
        return out
    }
}
