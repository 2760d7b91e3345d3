import Testing
@testable import SDP

@Suite("ICECandidate (RFC 8839 §5.1)")
struct ICECandidateTests {
    struct Case: Sendable, CustomStringConvertible {
        var line: String
        var foundation: String
        var component: Int
        var transport: ICECandidate.Transport
        var priority: UInt32
        var address: String
        var addressKind: ICECandidate.AddressKind
        var port: UInt16
        var type: ICECandidate.CandidateType
        var relatedAddress: String? = nil
        var relatedPort: UInt16? = nil
        var tcpType: ICECandidate.TCPType? = nil
        var extensions: [ICECandidate.Extension] = []
        var description: String { line }
    }

    static let cases: [Case] = [
        Case(line: "a=candidate:3240795042 1 udp 2122260223 127.0.0.1 56347 typ host generation 0 network-id 1 network-cost 50",
             foundation: "3240795042", component: 1, transport: .udp, priority: 2122260223, address: "127.0.0.1",
             addressKind: .ipv4, port: 56347, type: .host,
             extensions: [.init(name: "generation", value: "0"), .init(name: "network-id", value: "1"),
                          .init(name: "network-cost", value: "50")]),
        Case(line: "candidate:1 2 UDP 2122252542 ::1 35312 typ host",
             foundation: "1", component: 2, transport: .udp, priority: 2122252542, address: "::1",
             addressKind: .ipv6, port: 35312, type: .host),
        Case(line: "candidate:1187342766 1 udp 2113939711 2001:db8:4a1::23 60212 typ host",
             foundation: "1187342766", component: 1, transport: .udp, priority: 2113939711,
             address: "2001:db8:4a1::23", addressKind: .ipv6, port: 60212, type: .host),
        Case(line: "candidate:842163049 1 udp 1677729535 4b5c9e1a-3c2d-4e5f-8a9b-0c1d2e3f4a5b.local 50001 typ host",
             foundation: "842163049", component: 1, transport: .udp, priority: 1677729535,
             address: "4b5c9e1a-3c2d-4e5f-8a9b-0c1d2e3f4a5b.local", addressKind: .mdns, port: 50001, type: .host),
        Case(line: "candidate:3 1 TCP 1010827519 127.0.0.1 57871 typ host tcptype passive",
             foundation: "3", component: 1, transport: .tcp, priority: 1010827519, address: "127.0.0.1",
             addressKind: .ipv4, port: 57871, type: .host, tcpType: .passive),
        Case(line: "a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 10.0.1.1 rport 8998",
             foundation: "2", component: 1, transport: .udp, priority: 1694498815, address: "192.0.2.3",
             addressKind: .ipv4, port: 45664, type: .srflx, relatedAddress: "10.0.1.1", relatedPort: 8998),
        Case(line: "candidate:4 1 udp 41885439 203.0.113.7 3478 typ relay raddr 0.0.0.0 rport 0",
             foundation: "4", component: 1, transport: .udp, priority: 41885439, address: "203.0.113.7",
             addressKind: .ipv4, port: 3478, type: .relay, relatedAddress: "0.0.0.0", relatedPort: 0),
        Case(line: "16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 36852 typ host",
             foundation: "16572de626da4e5384a0ce2d0d93678a", component: 1, transport: .udp, priority: 2130706431,
             address: "127.0.0.1", addressKind: .ipv4, port: 36852, type: .host),
    ]

    @Test(arguments: cases)
    func parses(_ item: Case) throws {
        let candidate = try ICECandidate(parsing: item.line)
        #expect(candidate.foundation == item.foundation)
        #expect(candidate.component == item.component)
        #expect(candidate.transport == item.transport)
        #expect(candidate.priority == item.priority)
        #expect(candidate.address == item.address)
        #expect(candidate.addressKind == item.addressKind)
        #expect(candidate.port == item.port)
        #expect(candidate.type == item.type)
        #expect(candidate.relatedAddress == item.relatedAddress)
        #expect(candidate.relatedPort == item.relatedPort)
        #expect(candidate.tcpType == item.tcpType)
        #expect(candidate.extensions == item.extensions)
        // Round trip through both serialized forms.
        #expect(try ICECandidate(parsing: candidate.serialized) == candidate)
        #expect(try ICECandidate(parsing: "a=candidate:" + candidate.attributeValue) == candidate)
        #expect(candidate.serialized.hasPrefix("candidate:\(item.foundation) "))
    }

    @Test(arguments: [
        "",
        "candidate:",
        "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ",
        "candidate:1 0 udp 2122260223 127.0.0.1 5000 typ host",
        "candidate:1 257 udp 2122260223 127.0.0.1 5000 typ host",
        "candidate:1 1 sctp 2122260223 127.0.0.1 5000 typ host",
        "candidate:1 1 udp 99999999999 127.0.0.1 5000 typ host",
        "candidate:1 1 udp 1 300.0.0.1 5000 typ host",
        "candidate:1 1 udp 1 1:2:3 5000 typ host",
        "candidate:1 1 udp 1 127.0.0.1 70000 typ host",
        "candidate:1 1 udp 1 127.0.0.1 5000 typ magic",
        "candidate:1 1 udp 1 127.0.0.1 5000 type host",
        "candidate:1 1 udp 1 127.0.0.1 5000 typ srflx raddr",
        "candidate:1 1 udp 1 127.0.0.1 5000 typ srflx raddr 10.0.0.1 rport 99999",
        "candidate:1 1 tcp 1 127.0.0.1 9 typ host tcptype sideways",
        "candidate:f@o 1 udp 1 127.0.0.1 9 typ host",
        "candidate:123456789012345678901234567890123 1 udp 1 127.0.0.1 9 typ host",
        "candidate:1 1 udp 1 2001:db8::1::2 9 typ host",
    ])
    func rejectsMalformed(_ line: String) {
        #expect(throws: SDPError.self) { try ICECandidate(parsing: line) }
    }

    @Test func hostFactoryUsesRFC8445Priority() throws {
        let candidate = ICECandidate.host(address: "192.0.2.10", port: 3478)
        // (2^24)*126 + (2^8)*65535 + (256 - 1)
        #expect(candidate.priority == 126 * 16_777_216 + 256 * 65535 + 255)
        #expect(candidate.type == .host && candidate.component == 1 && candidate.transport == .udp)
        #expect(candidate.serialized == "candidate:\(candidate.foundation) 1 udp 2130706431 192.0.2.10 3478 typ host")
        #expect(try ICECandidate(parsing: candidate.serialized) == candidate)
        let v6 = ICECandidate.host(address: "::1", port: 9, localPreference: 65534)
        #expect(v6.priority == 126 * 16_777_216 + 256 * 65534 + 255)
        #expect(v6.addressKind == .ipv6)
    }
}
