import Testing
import STUN
#if canImport(Glibc)
import Glibc
#endif

struct IPEndpointTests {
    @Test("description round trips", arguments: [
        "1.2.3.4:5", "0.0.0.0:0", "255.255.255.255:65535", "[::1]:5", "[::]:0",
        "[2001:db8::1]:3478", "[2001:db8:1234:5678:11:2233:4455:6677]:32853", "[::ffff:192.0.2.1]:9",
    ])
    func roundTrip(text: String) throws {
        let e = try #require(IPEndpoint(text))
        #expect(e.description == text)
        #expect(IPEndpoint(e.description) == e)
    }

    @Test("invalid strings are rejected", arguments: [
        "", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3:5", "256.1.1.1:5", "::1:5", "[::1]", "[::1]5",
        "[1.2.3.4]:5", "host:5", "[::g]:1", "1.2.3.4:-1",
    ])
    func invalid(text: String) {
        #expect(IPEndpoint(text) == nil)
    }

    @Test("address forms")
    func forms() throws {
        let v4 = try #require(IPEndpoint(address: "192.0.2.1", port: 32853))
        #expect(v4.ipv4Address == 0xC000_0201)
        #expect(v4.addressBytes == [192, 0, 2, 1])
        #expect(v4.family == .ipv4 && !v4.isIPv6)
        #expect(v4 == IPEndpoint(ipv4: 0xC000_0201, port: 32853))
        #expect(v4 != IPEndpoint(ipv4: 0xC000_0201, port: 32854))
        let v6 = try #require(IPEndpoint(address: "2001:db8::1", port: 1))
        #expect(v6.addressBytes == [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1])
        #expect(IPEndpoint(addressBytes: v6.addressBytes, port: 1) == v6)
        #expect(IPEndpoint(addressBytes: [1, 2, 3], port: 1) == nil)
        // The same bits in IPv4 and IPv6 are different endpoints.
        #expect(IPEndpoint(ipv4: 1, port: 1) != IPEndpoint(ipv6High: 0, low: 1, port: 1))
        let mapped = try #require(IPEndpoint("[::ffff:192.0.2.1]:9"))
        #expect(mapped.unmappingIPv4 == IPEndpoint("192.0.2.1:9"))
        #expect(v6.unmappingIPv4 == v6)
    }

    @Test("sockaddr round trip", arguments: ["10.0.0.7:40000", "[fe80::abcd:1]:443"])
    func sockaddrRoundTrip(text: String) throws {
        let e = try #require(IPEndpoint(text))
        let back: IPEndpoint = e.withSockAddr { ptr, len in
            if ptr.pointee.sa_family == sa_family_t(AF_INET) {
                #expect(Int(len) == MemoryLayout<sockaddr_in>.size)
                return ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { IPEndpoint($0.pointee) }
            }
            return ptr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { IPEndpoint($0.pointee) }
        }
        #expect(back == e)
    }
}
