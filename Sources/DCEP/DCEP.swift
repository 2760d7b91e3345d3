/// SCTP payload protocol identifiers of WebRTC data channels (RFC 8831 §8,
/// RFC 8832 §8.1; IANA "SCTP Payload Protocol Identifiers").
public enum DataChannelPPID: UInt32, Sendable, CaseIterable {
    /// DCEP control message (RFC 8832).
    case dcep = 50
    /// A UTF-8 string message.
    case string = 51
    /// Deprecated partial string (RFC 8831 §8: no longer used).
    case stringPartial = 52
    /// A binary message.
    case binary = 53
    /// Deprecated partial binary.
    case binaryPartial = 54
    /// An empty string (the payload is one byte, ignored: SCTP cannot carry 0).
    case stringEmpty = 56
    /// An empty binary message (one ignored byte).
    case binaryEmpty = 57
}

/// The channel type of DATA_CHANNEL_OPEN (RFC 8832 §5.1): ordering and
/// partial reliability.
public enum DataChannelType: UInt8, Sendable, CaseIterable {
    case reliable = 0x00
    case reliableUnordered = 0x80
    /// Partially reliable: at most `reliabilityParameter` retransmissions.
    case partialReliableRexmit = 0x01
    case partialReliableRexmitUnordered = 0x81
    /// Partially reliable: given up after `reliabilityParameter` ms.
    case partialReliableTimed = 0x02
    case partialReliableTimedUnordered = 0x82

    public var isOrdered: Bool { rawValue & 0x80 == 0 }

    /// The SCTP PR policy (RFC 3758 / usrsctp): 0 none, 1 TTL, 3 retransmissions.
    public var prPolicy: UInt16 {
        switch self {
        case .reliable, .reliableUnordered: 0
        case .partialReliableTimed, .partialReliableTimedUnordered: 1
        case .partialReliableRexmit, .partialReliableRexmitUnordered: 3
        }
    }
}

/// DATA_CHANNEL_OPEN (RFC 8832 §5.1):
///
///     0                   1                   2                   3
///     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///    |  Message Type |  Channel Type |            Priority           |
///    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///    |                    Reliability Parameter                      |
///    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///    |         Label Length          |       Protocol Length         |
///    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///    \                             Label                             /
///    \                            Protocol                           /
public struct DataChannelOpen: Sendable, Equatable {
    public var channelType: DataChannelType
    public var priority: UInt16
    public var reliabilityParameter: UInt32
    public var label: String
    public var `protocol`: String

    public init(channelType: DataChannelType = .reliable, priority: UInt16 = 256, reliabilityParameter: UInt32 = 0,
                label: String, protocol: String = "") {
        self.channelType = channelType
        self.priority = priority
        self.reliabilityParameter = reliabilityParameter
        self.label = label
        self.protocol = `protocol`
    }
}

/// Why a DCEP message was refused.
public enum DCEPError: Error, Sendable, Equatable {
    case empty
    case unknownMessageType(UInt8)
    case tooShort
    case unknownChannelType(UInt8)
    /// The label and protocol lengths do not add up to the message's length.
    case lengthMismatch
    case invalidUTF8
}

/// A Data Channel Establishment Protocol message (RFC 8832 §5), carried
/// with PPID 50.
public enum DCEPMessage: Sendable, Equatable {
    /// DATA_CHANNEL_OPEN, message type 0x03.
    case open(DataChannelOpen)
    /// DATA_CHANNEL_ACK, message type 0x02: one byte.
    case ack

    public static let openType: UInt8 = 0x03
    public static let ackType: UInt8 = 0x02
    static let openHeaderLength = 12

    /// Parses one DCEP message: exactly one, nothing after it.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(DCEPError) {
        guard let type = bytes.first else { throw .empty }
        switch type {
        case Self.ackType:
            // RFC 8832 §5.2: the ACK is the message type alone.
            guard bytes.count == 1 else { throw .lengthMismatch }
            self = .ack
        case Self.openType:
            guard bytes.count >= Self.openHeaderLength else { throw .tooShort }
            guard let channelType = DataChannelType(rawValue: bytes[1]) else { throw .unknownChannelType(bytes[1]) }
            let priority = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
            let reliability = UInt32(bytes[4]) << 24 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 8 | UInt32(bytes[7])
            let labelLength = Int(bytes[8]) << 8 | Int(bytes[9])
            let protocolLength = Int(bytes[10]) << 8 | Int(bytes[11])
            guard bytes.count == Self.openHeaderLength + labelLength + protocolLength else { throw .lengthMismatch }
            let labelStart = Self.openHeaderLength
            let protocolStart = labelStart + labelLength
            guard let label = String(validating: UnsafeRawBufferPointer(rebasing: bytes[labelStart..<protocolStart]), as: UTF8.self),
                  let proto = String(validating: UnsafeRawBufferPointer(rebasing: bytes[protocolStart...]), as: UTF8.self)
            else { throw .invalidUTF8 }
            self = .open(DataChannelOpen(channelType: channelType, priority: priority,
                                         reliabilityParameter: reliability, label: label, protocol: proto))
        default:
            throw .unknownMessageType(type)
        }
    }

    public init(parsing bytes: [UInt8]) throws(DCEPError) {
        let result = bytes.withUnsafeBytes { raw -> Result<DCEPMessage, DCEPError> in
            do throws(DCEPError) { return .success(try DCEPMessage(parsing: raw)) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    /// The wire form. Label and protocol longer than 65,535 bytes cannot be
    /// expressed and are truncated to that (on a UTF-8 boundary).
    public var serialized: [UInt8] {
        switch self {
        case .ack:
            return [Self.ackType]
        case .open(let open):
            let label = Self.truncated(Array(open.label.utf8))
            let proto = Self.truncated(Array(open.protocol.utf8))
            var out: [UInt8] = [Self.openType, open.channelType.rawValue,
                                UInt8(open.priority >> 8), UInt8(open.priority & 0xFF)]
            out += [UInt8(open.reliabilityParameter >> 24), UInt8(open.reliabilityParameter >> 16 & 0xFF),
                    UInt8(open.reliabilityParameter >> 8 & 0xFF), UInt8(open.reliabilityParameter & 0xFF)]
            out += [UInt8(label.count >> 8), UInt8(label.count & 0xFF), UInt8(proto.count >> 8), UInt8(proto.count & 0xFF)]
            out += label
            out += proto
            return out
        }
    }

    private static func truncated(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count > 0xFFFF else { return bytes }
        var end = 0xFFFF
        while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }  // not inside a UTF-8 sequence
        return Array(bytes[..<end])
    }
}
