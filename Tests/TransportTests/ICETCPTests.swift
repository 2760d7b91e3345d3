import CapstanTestSupport
import DTLS
import Foundation
import ICE
import NIOCore
import NIOPosix
import STUN
import Testing
@_spi(Benchmarks) @testable import Transport

/// ICE over TCP (RFC 6544) on a real listener: Capstan's lite answerer and its own
/// controlling peer over one TCP connection, and the listener's bounds against raw sockets.
@Suite("ICE-TCP listener", .serialized)
struct ICETCPTests {
    static let answererCertificate = try! DTLSCertificate.generateECDSA()
    static let offererCertificate = try! DTLSCertificate.generateECDSA()

    /// A lite session registered on a port with an ICE-TCP listener.
    struct Server {
        let group: MultiThreadedEventLoopGroup
        let port: MediaPort
        let tcp: IPEndpoint
        let session: TransportSession
        let credentials: (ufrag: String, pwd: String)
        let peerCredentials: (ufrag: String, pwd: String)
        let events = Recorder()

        static func make(limits: ICETCPLimits = ICETCPLimits()) async throws -> Server {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let port = try await MediaPort.bind(host: "127.0.0.1", port: 0, group: group)
            let tcp = try await port.listenTCP(host: "127.0.0.1", port: 0, limits: limits)
            let credentials = ICECredentialsForTest.make(), peer = ICECredentialsForTest.make()
            let session = try TransportSession(
                id: "answerer", localUfrag: credentials.ufrag, localPassword: credentials.pwd,
                remoteUfrag: peer.ufrag, remotePassword: peer.pwd, iceMode: .lite, dtlsRole: .server,
                certificate: ICETCPTests.answererCertificate,
                remoteFingerprints: [(algorithm: "sha-256", value: ICETCPTests.offererCertificate.sha256Fingerprint)])
            let server = Server(group: group, port: port, tcp: tcp, session: session, credentials: credentials,
                                peerCredentials: peer)
            try await port.eventLoop.submit {
                session.eventHandler = server.events
                session.mediaReceiver = server.events
                port.register(session)
            }.get()
            return server
        }

        var counters: ICETCPCounters {
            get async throws { try await port.eventLoop.submit { port.tcpCounters }.get() }
        }

        /// A Binding request from the peer, as a controlling agent sends it.
        func check(password: String? = nil, ufrag: String? = nil, nominate: Bool = true) -> [UInt8] {
            var attributes: [STUNAttribute] = [.username("\(ufrag ?? credentials.ufrag):\(peerCredentials.ufrag)"),
                                               .priority(0x6E00_01FF), .iceControlling(7)]
            if nominate { attributes.append(.useCandidate) }
            let message = STUNMessage(type: .bindingRequest, attributes: attributes)
            return message.serialize(integrityKey: Array((password ?? credentials.pwd).utf8), fingerprint: true)
        }

        /// Capstan's controlling peer on a port of its own, connected to the listener over TCP
        /// and started (its checks, then DTLS as the client).
        func connectOfferer() async throws -> (MediaPort, TransportSession, Recorder, ICETCPClientConnection) {
            let offererPort = try await MediaPort.bind(host: "127.0.0.1", port: 0, group: group)
            let offerer = try TransportSession(
                id: "offerer", localUfrag: peerCredentials.ufrag, localPassword: peerCredentials.pwd,
                remoteUfrag: credentials.ufrag, remotePassword: credentials.pwd,
                iceMode: .controlling(remoteCandidates: [tcp], tieBreaker: 9), dtlsRole: .client,
                certificate: ICETCPTests.offererCertificate,
                remoteFingerprints: [(algorithm: "sha-256", value: ICETCPTests.answererCertificate.sha256Fingerprint)])
            let offererEvents = Recorder()
            let link = try await offererPort.connectTCP(to: tcp)
            try await offererPort.eventLoop.submit {
                offerer.eventHandler = offererEvents
                offerer.mediaReceiver = offererEvents
                offererPort.register(offerer, asDefault: true)
                offerer.sink = link
                offerer.start(now: NIODeadline.now().uptimeNanoseconds)
            }.get()
            return (offererPort, offerer, offererEvents, link)
        }

        func shutdown() async throws {
            try await port.close()
            try await group.shutdownGracefully()
        }
    }

    static func rtp(sequence: UInt16, ssrc: UInt32 = 0x1234_5678, payload: Int = 160) -> [UInt8] {
        [0x80, 111, UInt8(sequence >> 8), UInt8(sequence & 0xff), 0, 0, 0, 1,
         UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xff), UInt8((ssrc >> 8) & 0xff), UInt8(ssrc & 0xff)]
            + Array(repeating: UInt8(sequence & 0xff), count: payload)
    }

    @Test("Capstan's controlling peer and the lite answerer: ICE, DTLS and SRTP both ways over one TCP connection, nothing over UDP")
    func fullPathOverTCP() async throws {
        let server = try await Server.make()
        let (offererPort, offerer, offererEvents, _) = try await server.connectOfferer()
        #expect(await eventually(timeout: .seconds(20)) { server.events.isConnected && offererEvents.isConnected })
        let selected = try await server.port.eventLoop.submit { server.session.selectedProtocol }.get()
        #expect(selected == .tcp)
        // Media both ways: the answerer's goes out framed on the connection.
        for sequence in 1...50 as ClosedRange<UInt16> {
            let sent = try await offererPort.eventLoop.submit {
                Self.rtp(sequence: sequence).withUnsafeBytes { offerer.sendRTP($0) }
            }.get()
            #expect(sent)
        }
        #expect(await eventually(timeout: .seconds(10)) { server.events.rtp.count == 50 })
        #expect(server.events.rtp.first == Self.rtp(sequence: 1))
        for sequence in 1...20 as ClosedRange<UInt16> {
            _ = try await server.port.eventLoop.submit {
                Self.rtp(sequence: sequence, ssrc: 0xCAFE).withUnsafeBytes { server.session.sendRTP($0) }
            }.get()
        }
        #expect(await eventually(timeout: .seconds(10)) { offererEvents.rtp.count == 20 })
        let counters = try await server.counters
        let udp = try await server.port.eventLoop.submit { server.port.counters }.get()
        #expect(counters.accepted == 1 && counters.open == 1 && counters.framesIn >= 52 && counters.framesOut >= 21)
        #expect(udp.datagramsIn == 0 && udp.datagramsOut == 0, "nothing may use UDP: \(udp)")
        // The session ends: its connection is closed with it.
        try await server.port.eventLoop.submit { server.port.unregister(server.session) }.get()
        #expect(await eventually { (try? await server.counters.open) == 0 })
        #expect(try await server.counters[.sessionEnded] == 1)
        try await offererPort.close()
        try await server.shutdown()
    }

    @Test("send buffer bound: a peer that stops reading gets frames dropped and counted past maxSendBufferBytes; the queue stays bounded; what was queued arrives whole once it reads again")
    func sendBufferBound() async throws {
        var limits = ICETCPLimits()
        limits.maxSendBufferBytes = 64 << 10
        let server = try await Server.make(limits: limits)
        let (offererPort, _, offererEvents, link) = try await server.connectOfferer()
        #expect(await eventually(timeout: .seconds(20)) { server.events.isConnected && offererEvents.isConnected })
        // The peer stops reading; the answerer sends ~24 MB, more than both kernels' buffers hold.
        try await link.channel.setOption(.autoRead, value: false).get()
        let total = 20_000
        let (queued, dropped, framesOut) = try await server.port.eventLoop.submit { () -> (Int, UInt64, UInt64) in
            for sequence in 0..<total {
                Self.rtp(sequence: UInt16(truncatingIfNeeded: sequence), ssrc: 0xCAFE, payload: 1_200)
                    .withUnsafeBytes { _ = server.session.sendRTP($0) }
            }
            let connection = server.port.tcp?.openConnections.first
            let queued = (try? connection?.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? -1
            return (queued, server.port.tcpCounters.sendDropped, server.port.tcpCounters.framesOut)
        }.get()
        print("ICE-TCP send bound: \(framesOut) frames written, \(dropped) dropped, \(queued) bytes queued in the daemon")
        #expect(dropped > 0, "nothing dropped: \(framesOut) frames out")
        #expect(queued >= 0 && queued <= limits.maxSendBufferBytes + 2_000, "\(queued) bytes queued in the daemon")
        // It reads again: every frame that was not dropped arrives, whole and in order.
        try await link.channel.setOption(.autoRead, value: true).get()
        link.channel.read()
        #expect(await eventually(timeout: .seconds(30)) { offererEvents.rtp.count + Int(dropped) >= total },
                "\(offererEvents.rtp.count) received + \(dropped) dropped of \(total) (\(framesOut) frames written)")
        let received = offererEvents.rtp
        #expect(received.allSatisfy { $0.count == 12 + 1_200 && $0[8...11] == [0, 0, 0xCA, 0xFE] }, "a frame arrived damaged")
        let sequences = received.map { UInt16($0[2]) << 8 | UInt16($0[3]) }
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $0 < $1 }, "frames out of order")
        #expect(sequences.first == 0)
        #expect(offererEvents.rtp.count + Int(dropped) == total, "\(offererEvents.rtp.count) received + \(dropped) dropped != \(total)")
        try await offererPort.close()
        try await server.shutdown()
    }

    @Test("per-address and total connection limits: the connection past a bound is closed at once and counted")
    func connectionLimits() async throws {
        var limits = ICETCPLimits()
        limits.maxConnectionsPerAddress = 2
        limits.maxConnections = 3
        let server = try await Server.make(limits: limits)
        let port = server.tcp.port
        let outcome = try await onOwnThread { () -> [Bool] in
            let a = try LoopbackTCPSocket(port: port), b = try LoopbackTCPSocket(port: port)
            // Each answered: a check goes through, so both are open and accepted.
            let answered = [a, b].map { $0.sendFrame(server.check(nominate: false)) && $0.readFrame(timeoutMilliseconds: 10_000) != nil }
            let third = try LoopbackTCPSocket(port: port)
            let thirdClosed = third.waitForClose(timeoutMilliseconds: 10_000)
            let other = try LoopbackTCPSocket(port: port, source: "127.0.0.2")
            let otherAnswered = other.sendFrame(server.check(nominate: false)) && other.readFrame(timeoutMilliseconds: 10_000) != nil
            let fourth = try LoopbackTCPSocket(port: port, source: "127.0.0.3")
            let fourthClosed = fourth.waitForClose(timeoutMilliseconds: 10_000)
            return answered + [thirdClosed, otherAnswered, fourthClosed]
        }
        #expect(outcome == [true, true, true, true, true], "a, b answered; third closed; 127.0.0.2 answered; fourth closed")
        let counters = try await server.counters
        #expect(counters[.limitAddress] == 1 && counters[.limitTotal] == 1 && counters.accepted == 3, "\(counters)")
        try await server.shutdown()
    }

    @Test("handshake deadline: a silent connection and one whose checks fail are closed; one with a valid check stays")
    func handshakeDeadline() async throws {
        var limits = ICETCPLimits()
        limits.handshakeTimeout = .seconds(1)
        let server = try await Server.make(limits: limits)
        let port = server.tcp.port
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = try await onOwnThread { () -> (silent: Bool, wrong: Bool, wrongAnswer: [UInt8]?, valid: LoopbackTCPSocket.ReadResult) in
            let silent = try LoopbackTCPSocket(port: port)
            let wrong = try LoopbackTCPSocket(port: port)
            wrong.sendFrame(server.check(password: "not-the-password-at-all"))
            let wrongAnswer = wrong.readFrame(timeoutMilliseconds: 10_000)
            let valid = try LoopbackTCPSocket(port: port)
            valid.sendFrame(server.check(nominate: false))
            _ = valid.readFrame(timeoutMilliseconds: 10_000)
            let silentClosed = silent.waitForClose(timeoutMilliseconds: 15_000)
            let wrongClosed = wrong.waitForClose(timeoutMilliseconds: 15_000)
            // Past the deadline the valid one is still open: nothing arrives, no close.
            return (silentClosed, wrongClosed, wrongAnswer, valid.read(timeoutMilliseconds: 2_500))
        }
        let elapsed = clock.now - start
        #expect(outcome.silent && outcome.wrong)
        #expect(elapsed >= .milliseconds(900), "closed before the deadline: \(elapsed)")
        let answer = try #require(outcome.wrongAnswer)
        let parsed = try answer.withUnsafeBytes { try STUNMessage(parsing: $0) }
        #expect(parsed.type == .bindingError, "a check with a bad MESSAGE-INTEGRITY is answered 401, on the connection")
        #expect(outcome.valid == .timedOut)
        // The valid one was closed by the test (its socket went away), not by the deadline.
        #expect(await eventually { (try? await server.counters[.peerClosed]) == 1 })
        let counters = try await server.counters
        #expect(counters[.handshakeTimeout] == 2 && counters.open == 0, "\(counters)")
        try await server.shutdown()
    }

    @Test("hostile first frames: not STUN, an unknown ufrag, an oversize LENGTH: closed and counted")
    func hostileFrames() async throws {
        let server = try await Server.make()
        let port = server.tcp.port
        let closed = try await onOwnThread { () -> [Bool] in
            let garbage = try LoopbackTCPSocket(port: port)
            garbage.sendFrame([0x16, 0xfe, 0xfd] + Array(repeating: 0, count: 40))
            let unknown = try LoopbackTCPSocket(port: port)
            unknown.sendFrame(server.check(ufrag: "nobody"))
            let oversize = try LoopbackTCPSocket(port: port)
            oversize.send([0xff, 0xff] + Array(repeating: 1, count: 100))
            let http = try LoopbackTCPSocket(port: port)
            http.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            return [garbage, unknown, oversize, http].map { $0.waitForClose(timeoutMilliseconds: 10_000) }
        }
        #expect(closed == [true, true, true, true])
        let counters = try await server.counters
        #expect(counters[.notSTUN] == 1 && counters[.unknownUfrag] == 1, "\(counters.closedNonZero)")
        // "GE" is LENGTH 0x4745 = 18245 > 2048: malformed framing.
        #expect(counters[.oversizeFrame] == 2, "\(counters.closedNonZero)")
        #expect(counters.open == 0)
        try await server.shutdown()
    }
}
