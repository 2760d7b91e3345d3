/// What Capstan answers to an `m=application ... webrtc-datachannel` section
/// (RFC 8841): whether it accepts one, and the limits it advertises.
public struct DataChannelAnswerPolicy: Sendable, Equatable {
    /// `a=max-message-size` in the answer (RFC 8841 §6): the largest message we accept.
    public var maxMessageSize: Int
    /// Our `a=sctp-port` (RFC 8841 §5).
    public var sctpPort: UInt16

    public init(maxMessageSize: Int, sctpPort: UInt16 = DataChannelSDP.defaultSCTPPort) {
        self.maxMessageSize = maxMessageSize
        self.sctpPort = sctpPort
    }
}

/// The negotiated data channel transport: an SCTP association over the
/// bundle's DTLS (RFC 8841).
public struct NegotiatedDataChannel: Sendable, Equatable {
    public var mid: String?
    public var mLineIndex: Int
    /// The offer's `a=sctp-port` (5000 when absent, RFC 8841 §5).
    public var remotePort: UInt16
    /// The offer's `a=max-message-size`; absent means 64 KiB, 0 means no limit (RFC 8841 §6).
    public var remoteMaxMessageSize: Int
    public var localPort: UInt16
    public var localMaxMessageSize: Int

    public init(mid: String?, mLineIndex: Int, remotePort: UInt16, remoteMaxMessageSize: Int,
                localPort: UInt16, localMaxMessageSize: Int) {
        self.mid = mid
        self.mLineIndex = mLineIndex
        self.remotePort = remotePort
        self.remoteMaxMessageSize = remoteMaxMessageSize
        self.localPort = localPort
        self.localMaxMessageSize = localMaxMessageSize
    }
}

public enum DataChannelSDP {
    public static let defaultSCTPPort: UInt16 = 5000
    /// RFC 8841 §6: with no `a=max-message-size`, assume 64 KiB.
    public static let defaultMaxMessageSize = 65_536
    /// The format of a data channel section (RFC 8841 §4.1).
    public static let format = "webrtc-datachannel"

    /// True for `UDP/DTLS/SCTP` or `TCP/DTLS/SCTP` with `webrtc-datachannel` (RFC 8841 §4.1).
    public static func isDataChannelSection(_ section: MediaDescription) -> Bool {
        section.kind == .application && section.proto.uppercased().hasSuffix("DTLS/SCTP")
            && section.formats.contains(format)
    }
}

extension MediaDescription {
    /// `a=sctp-port` (RFC 8841 §5.1), if present and valid.
    public var sctpPort: UInt16? { attribute("sctp-port").flatMap { UInt16($0.trimmingSDPSpaces) } }
    /// `a=max-message-size` (RFC 8841 §6.1), if present and valid.
    public var maxMessageSize: Int? {
        attribute("max-message-size").flatMap { Int($0.trimmingSDPSpaces) }.flatMap { $0 >= 0 ? $0 : nil }
    }

    /// Our accepted data channel section: bundled transport attributes,
    /// `a=sctp-port` and `a=max-message-size` (RFC 8841).
    static func dataChannel(answering offered: MediaDescription, policy: DataChannelAnswerPolicy,
                            ufrag: String, pwd: String, fingerprint: SDPFingerprint, setup: DTLSSetup,
                            candidates: [ICECandidate]) -> MediaDescription {
        let (port, connection) = transportAddress(of: candidates)
        var section = MediaDescription(kind: .application, port: port, proto: offered.proto,
                                       formats: [DataChannelSDP.format], connection: connection)
        if let mid = offered.mid { section.addAttribute("mid", mid) }
        section.addAttribute("ice-ufrag", ufrag)
        section.addAttribute("ice-pwd", pwd)
        section.addAttribute("fingerprint", fingerprint.serialized)
        section.addAttribute("setup", setup.rawValue)
        section.addAttribute("sctp-port", "\(policy.sctpPort)")
        section.addAttribute("max-message-size", "\(policy.maxMessageSize)")
        for candidate in candidates { section.addAttribute("candidate", candidate.attributeValue) }
        section.addAttribute("end-of-candidates")
        return section
    }
}

extension String {
    fileprivate var trimmingSDPSpaces: Substring {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
