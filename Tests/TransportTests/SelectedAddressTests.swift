import CapstanTestSupport
import Foundation
import NIOCore
import NIOPosix
import RTP
import STUN
import Testing
@testable import Transport

/// The selected address is converted to NIO's form once, when ICE selects
/// it; what goes out must follow every later selection.
@Suite("Sends follow ICE's selected address")
struct SelectedAddressTests {
    @Test("IPEndpoint → SocketAddress from the address bytes equals NIO's parse of the text",
          arguments: [("127.0.0.1", 50_000), ("192.0.2.200", 1), ("0.0.0.0", 65_535),
                      ("::1", 50_000), ("2001:db8::42:1", 9), ("fe80::1:2:3:4", 443)] as [(String, UInt16)])
    func socketAddress(text: String, port: UInt16) throws {
        let endpoint = try #require(IPEndpoint(address: text, port: port))
        let converted = SocketAddress(endpoint)
        #expect(converted == (try SocketAddress(ipAddress: text, port: Int(port))))
        #expect(converted.port == Int(port))
        #expect(IPEndpoint(converted) == endpoint)
        #expect(DatagramDestination(endpoint).socketAddress == converted)
    }

    static func check(ufrag: String, password: String, remoteUfrag: String) -> ByteBuffer {
        ByteBuffer(bytes: STUNMessage(
            type: .bindingRequest,
            attributes: [.username("\(ufrag):\(remoteUfrag)"), .priority(0x6E00_1EFF),
                         .iceControlling(99), .useCandidate])
            .serialize(integrityKey: Array(password.utf8), fingerprint: true))
    }

    @Test("a nomination from a new address, and one after an ICE restart, move sendRTP to that address")
    func sendsFollowNomination() async throws {
        let pair = try await LoopbackPair.make()
        #expect(try await LoopbackPair.waitUntil { pair.answererEvents.isConnected && pair.offererEvents.isConnected })
        // A second address for the peer: a port without sessions, which
        // counts every datagram that reaches it (and drops it).
        let other = try await MediaPort.bind(host: "127.0.0.1", port: 0, group: pair.group)
        let answererAddress = pair.answererPort.localAddress
        let offererAddress = pair.offererPort.localAddress
        let otherAddress = other.localAddress
        var seq: UInt16 = 1000
        func sendRTP(_ count: Int) async throws -> Int {
            let first = seq
            seq &+= UInt16(count)
            return try await pair.onLoop {
                (0..<count).count(where: { index in
                    TransportSessionTests.rtpPacket(seq: first &+ UInt16(index), ssrc: 7777, payloadByte: 0xCD)
                        .withUnsafeBytes { pair.answerer.sendRTP($0) }
                })
            }
        }
        func datagramsAtOther() async throws -> UInt64 {
            try await other.eventLoop.submit { other.counters.datagramsIn }.get()
        }
        func waitForOther(_ expected: UInt64) async throws -> Bool {
            try await eventually { try await datagramsAtOther() == expected }
        }

        // 1. Selected by the offerer's own nomination: media reaches the offerer.
        #expect(try await pair.onLoop { pair.answerer.selectedRemote } == offererAddress)
        #expect(try await sendRTP(5) == 5)
        #expect(try await LoopbackPair.waitUntil { pair.offererEvents.rtp.count == 5 })

        // 2. A valid check with USE-CANDIDATE from another address of the peer
        //    moves the selection, and the very next packets go there.
        let toOther = Self.check(ufrag: pair.answererCredentials.ufrag, password: pair.answererCredentials.pwd,
                                 remoteUfrag: pair.offererCredentials.ufrag)
        try await pair.onLoop { toOther.withUnsafeReadableBytes { other.send($0, to: answererAddress) } }
        #expect(try await LoopbackPair.waitUntil { pair.answererEvents.events.contains(.iceSelected(otherAddress)) })
        #expect(try await pair.onLoop { pair.answerer.selectedRemote } == otherAddress)
        #expect(try await waitForOther(1), "the check's response")
        #expect(try await sendRTP(5) == 5)
        #expect(try await waitForOther(6))
        #expect(pair.offererEvents.rtp.count == 5, "nothing more to the old address")

        // 3. ICE restart with new credentials on both sides; the offerer's
        //    address nominated again under them takes the media back.
        let local = ICECredentialsForTest.make(), remote = ICECredentialsForTest.make()
        try await pair.onLoop {
            let oldUfrag = pair.answerer.localUfrag
            pair.answerer.restartICE(localUfrag: local.ufrag, localPassword: local.pwd,
                                     remoteUfrag: remote.ufrag, remotePassword: remote.pwd)
            pair.answererPort.rekey(pair.answerer, oldUfrag: oldUfrag)
        }
        let toOfferer = Self.check(ufrag: local.ufrag, password: local.pwd, remoteUfrag: remote.ufrag)
        try await pair.onLoop { toOfferer.withUnsafeReadableBytes { pair.offererPort.send($0, to: answererAddress) } }
        #expect(try await LoopbackPair.waitUntil {
            pair.answererEvents.events.filter { $0 == .iceSelected(offererAddress) }.count == 2
        })
        #expect(try await pair.onLoop { pair.answerer.selectedRemote } == offererAddress)
        #expect(try await sendRTP(5) == 5)
        #expect(try await LoopbackPair.waitUntil { pair.offererEvents.rtp.count == 10 })
        let last = try RTPHeader(parsing: try #require(pair.offererEvents.rtp.last))
        #expect(last.sequenceNumber == 1014)
        #expect(try await datagramsAtOther() == 6, "nothing more to the address left behind")

        try await other.close()
        try await pair.shutdown()
    }
}
