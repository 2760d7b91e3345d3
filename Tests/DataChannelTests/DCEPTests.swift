import Testing
@testable import DataChannel

/// DCEP (RFC 8832 §5) layouts, built byte by byte from the RFC's figures.
struct DCEPTests {
    /// DATA_CHANNEL_OPEN: type 0x03, channel type, priority, reliability
    /// parameter, label length, protocol length, label, protocol.
    static let openChat: [UInt8] = [
        0x03,                    // Message Type: DATA_CHANNEL_OPEN
        0x81,                    // Channel Type: DATA_CHANNEL_PARTIAL_RELIABLE_REXMIT_UNORDERED
        0x01, 0x00,              // Priority 256
        0x00, 0x00, 0x00, 0x03,  // Reliability Parameter: 3 retransmissions
        0x00, 0x04,              // Label Length
        0x00, 0x04,              // Protocol Length
        0x63, 0x68, 0x61, 0x74,  // "chat"
        0x6A, 0x73, 0x6F, 0x6E,  // "json"
    ]

    @Test("DATA_CHANNEL_OPEN parses from the RFC 8832 §5.1 layout and serializes back")
    func open() throws {
        let message = try DCEPMessage(parsing: Self.openChat)
        let expected = DataChannelOpen(channelType: .partialReliableRexmitUnordered, priority: 256,
                                       reliabilityParameter: 3, label: "chat", protocol: "json")
        #expect(message == .open(expected))
        #expect(message.serialized == Self.openChat)
        #expect(DataChannelType.partialReliableRexmitUnordered.isOrdered == false)
        #expect(DataChannelType.partialReliableRexmitUnordered.prPolicy == 3)
    }

    @Test("DATA_CHANNEL_ACK is the single byte 0x02 (RFC 8832 §5.2)")
    func ack() throws {
        #expect(DCEPMessage.ack.serialized == [0x02])
        #expect(try DCEPMessage(parsing: [0x02]) == .ack)
        #expect(throws: DCEPError.lengthMismatch) { try DCEPMessage(parsing: [0x02, 0x00]) }
    }

    @Test("empty label and protocol, reliable ordered (what a browser sends for createDataChannel(''))")
    func emptyLabel() throws {
        let bytes: [UInt8] = [0x03, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]
        let message = try DCEPMessage(parsing: bytes)
        #expect(message == .open(DataChannelOpen(channelType: .reliable, priority: 0, label: "", protocol: "")))
        #expect(message.serialized == bytes)
    }

    @Test("UTF-8 labels round trip")
    func utf8() throws {
        let open = DCEPMessage.open(DataChannelOpen(channelType: .partialReliableTimed, priority: 512,
                                                    reliabilityParameter: 1500, label: "чат 💬", protocol: "x-proto"))
        #expect(try DCEPMessage(parsing: open.serialized) == open)
    }

    @Test("malformed messages are refused, never trapped on")
    func malformed() {
        #expect(throws: DCEPError.empty) { try DCEPMessage(parsing: []) }
        #expect(throws: DCEPError.unknownMessageType(0x01)) { try DCEPMessage(parsing: [0x01]) }
        #expect(throws: DCEPError.tooShort) { try DCEPMessage(parsing: Array(Self.openChat.prefix(11))) }
        var badType = Self.openChat
        badType[1] = 0x03
        #expect(throws: DCEPError.unknownChannelType(0x03)) { try DCEPMessage(parsing: badType) }
        // Lengths that claim more (or less) than the message holds.
        #expect(throws: DCEPError.lengthMismatch) { try DCEPMessage(parsing: Array(Self.openChat.dropLast())) }
        #expect(throws: DCEPError.lengthMismatch) { try DCEPMessage(parsing: Self.openChat + [0]) }
        var huge = Self.openChat
        huge[8] = 0xFF
        huge[9] = 0xFF
        #expect(throws: DCEPError.lengthMismatch) { try DCEPMessage(parsing: huge) }
        var invalid = Self.openChat
        invalid[12] = 0xFF
        #expect(throws: DCEPError.invalidUTF8) { try DCEPMessage(parsing: invalid) }
    }

    @Test("PPIDs are the IANA values (RFC 8831 §8, RFC 8832 §8.1)")
    func ppids() {
        #expect(DataChannelPPID.dcep.rawValue == 50)
        #expect(DataChannelPPID.string.rawValue == 51)
        #expect(DataChannelPPID.binary.rawValue == 53)
        #expect(DataChannelPPID.stringEmpty.rawValue == 56)
        #expect(DataChannelPPID.binaryEmpty.rawValue == 57)
    }
}
