import Testing
@testable import SDP

@Suite("TrickleFragment (RFC 8840, RFC 9725 PATCH)")
struct TrickleFragmentTests {
    /// RFC 9725 §4.3.1, Figure 3 (the WHIP trickle PATCH body).
    static let whipPatch = """
        a=group:BUNDLE 0 1\r
        m=audio 9 UDP/TLS/RTP/SAVPF 111\r
        a=mid:0\r
        a=ice-ufrag:EsAw\r
        a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r
        a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1\r
        a=candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ host generation 0 ufrag EsAw network-id 2\r
        a=candidate:473322822 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active generation 0 ufrag EsAw network-id 1\r
        a=candidate:2154773085 1 tcp 1518214911 198.51.100.2 9 typ host tcptype active generation 0 ufrag EsAw network-id 2\r
        a=end-of-candidates\r

        """

    /// The shape of the RFC 8840 sdpfrag example: session-level credentials, two m= lines.
    static let rfc8840Style = """
        a=ice-pwd:asd88fgpdd777uzjYhagZg
        a=ice-ufrag:8hhY
        m=audio 5000 RTP/AVP 0
        a=mid:1
        a=candidate:1 1 UDP 1658497328 192.168.100.33 5000 typ host
        a=candidate:2 1 UDP 1658497328 96.1.2.3 5000 typ srflx raddr 192.168.100.33 rport 5000
        m=video 5002 RTP/AVP 31
        a=mid:2
        a=candidate:1 1 UDP 1658497328 192.168.100.33 5002 typ host
        a=candidate:2 1 UDP 1658497328 96.1.2.3 5002 typ srflx raddr 192.168.100.33 rport 5002
        a=end-of-candidates
        """

    @Test func whipPatchBody() throws {
        let fragment = try TrickleFragment(parsing: Self.whipPatch)
        #expect(fragment.groups == [SDPGroup(semantics: "BUNDLE", mids: ["0", "1"])])
        #expect(fragment.iceUfrag == nil)
        #expect(fragment.sections.count == 1)
        let section = fragment.sections[0]
        #expect(section.kind == .audio && section.mid == "0")
        #expect(section.candidates.count == 4)
        #expect(section.candidates[2].tcpType == .active && section.candidates[2].transport == .tcp)
        #expect(section.candidates[0].extensionValue("ufrag") == "EsAw")
        #expect(section.endOfCandidates && fragment.isEndOfCandidates)
        #expect(fragment.credentials?.ufrag == "EsAw" && fragment.credentials?.pwd == "P2uYro0UCOQ4zxjKXaWCBui1")
        #expect(!fragment.isICERestart(currentUfrag: "EsAw", currentPwd: "P2uYro0UCOQ4zxjKXaWCBui1"))
        #expect(fragment.isICERestart(currentUfrag: "old1", currentPwd: "P2uYro0UCOQ4zxjKXaWCBui1"))
        let reparsed = try TrickleFragment(parsing: fragment.serialized)
        #expect(reparsed == fragment)
        #expect(reparsed.serialized == fragment.serialized)
    }

    @Test func sessionLevelCredentialsAndTwoSections() throws {
        let fragment = try TrickleFragment(parsing: Self.rfc8840Style)
        #expect(fragment.iceUfrag == "8hhY" && fragment.icePwd == "asd88fgpdd777uzjYhagZg")
        #expect(fragment.sections.map(\.mid) == ["1", "2"])
        #expect(fragment.sections.map(\.kind) == [.audio, .video])
        #expect(fragment.allCandidates.count == 4)
        #expect(fragment.allCandidates[1].candidate.type == .srflx)
        #expect(fragment.allCandidates[1].candidate.relatedAddress == "192.168.100.33")
        #expect(fragment.allCandidates[3].mid == "2")
        #expect(!fragment.sections[0].endOfCandidates && fragment.sections[1].endOfCandidates)
        #expect(fragment.isICERestart(currentUfrag: "EsAw", currentPwd: "P2uYro0UCOQ4zxjKXaWCBui1"))
        #expect(try TrickleFragment(parsing: fragment.serialized) == fragment)
    }

    @Test func credentialsOnlyMeansRestartWithoutCandidates() throws {
        let fragment = try TrickleFragment(parsing: "a=ice-ufrag:ZZzz\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n")
        #expect(fragment.sections.isEmpty && fragment.allCandidates.isEmpty)
        #expect(fragment.isICERestart(currentUfrag: "EsAw", currentPwd: "P2uYro0UCOQ4zxjKXaWCBui1"))
        #expect(fragment.serialized == "a=ice-ufrag:ZZzz\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n")
    }

    @Test func builtFragmentSerializes() throws {
        let candidate = ICECandidate.host(address: "192.0.2.1", port: 5000, foundation: "1")
        let fragment = TrickleFragment(iceUfrag: "abcd", icePwd: "abcdefghijklmnopqrstuv",
                                       sections: [.init(mediaLine: "audio 9 UDP/TLS/RTP/SAVPF 111", mid: "0",
                                                        candidates: [candidate], endOfCandidates: true)])
        #expect(fragment.serialized == """
            a=ice-ufrag:abcd\r
            a=ice-pwd:abcdefghijklmnopqrstuv\r
            m=audio 9 UDP/TLS/RTP/SAVPF 111\r
            a=mid:0\r
            a=candidate:1 1 udp 2130706431 192.0.2.1 5000 typ host\r
            a=end-of-candidates\r

            """)
        #expect(try TrickleFragment(parsing: fragment.serialized) == fragment)
    }

    @Test(arguments: [
        "a=candidate:1 1 UDP 1 192.0.2.1 5000 typ host\r\n",
        "m=audio 9 RTP/AVP 0\r\na=candidate:garbage\r\n",
        "v=0\r\n",
        "hello world",
        "m=\r\n",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: SDPError.self) { try TrickleFragment(parsing: text) }
    }

    @Test func rejectsOversized() {
        let big = String(repeating: "a=x-pad:0123456789\r\n", count: 2000)
        #expect {
            try TrickleFragment(parsing: big)
        } throws: { error in
            guard case .limitExceeded = error as? SDPError else { return false }
            return true
        }
    }
}
