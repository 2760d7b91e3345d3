import Foundation
import SDP
#if canImport(Glibc)
import Glibc
#endif

/// Where the sample peer binds its UDP port and which host candidates its offer lists
/// (RFC 8839 §5.1; a WHIP offer that does not trickle carries them all, RFC 9725 §4.3.1).
/// A full-ICE server (Janus with full ICE, aiortc) checks these addresses; an offer without
/// them made Janus log "No remote candidates for component 1" (issue 13).
struct LocalCandidates: Equatable {
    /// Address to bind: loopback when the WHIP server is on loopback, else the wildcard.
    var bindHost: String
    /// Addresses to announce as host candidates (with the bound port).
    var addresses: [String]

    /// For a WHIP endpoint: its host on loopback (`127.x`, `localhost`, `::1`) binds that
    /// loopback address and announces it; any other host binds `0.0.0.0` and announces every
    /// up, non-loopback IPv4 interface address.
    static func forEndpoint(_ endpoint: URL) -> LocalCandidates {
        var host = endpoint.host ?? "127.0.0.1"
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host.hasPrefix("127.") { return LocalCandidates(bindHost: "127.0.0.1", addresses: ["127.0.0.1"]) }
        if host == "::1" { return LocalCandidates(bindHost: "::1", addresses: ["::1"]) }
        let addresses = interfaceIPv4Addresses()
        return LocalCandidates(bindHost: "0.0.0.0", addresses: addresses.isEmpty ? ["127.0.0.1"] : addresses)
    }

    /// The candidates for a port bound at `port`.
    func candidates(port: UInt16) -> [ICECandidate] {
        addresses.enumerated().map { index, address in
            // Earlier addresses get the higher local preference (RFC 8445 §5.1.2.1).
            ICECandidate.host(address: address, port: port, localPreference: UInt16(65535 - min(index, 65535)),
                              foundation: "\(index + 1)")
        }
    }

    /// ICE-TCP active candidates (RFC 6544 §4.5: port 9, the connection's port is not known
    /// before it is made), one per address, with the §4.2 priority (direction-pref 6, active).
    var activeTCPCandidates: [ICECandidate] {
        addresses.enumerated().map { index, address in
            let localPreference = UInt32(6) << 13 | UInt32(8191 - min(index, 8191))
            let priority = UInt32(ICECandidate.tcpHostTypePreference) << 24 | localPreference << 8 | 255
            return ICECandidate(foundation: "\(index + 101)", transport: .tcp, priority: priority, address: address,
                                port: 9, type: .host, tcpType: .active)
        }
    }

    /// Up, non-loopback IPv4 addresses of this machine's interfaces.
    static func interfaceIPv4Addresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var out: [String] = []
        var cursor = list
        while let entry = cursor {
            cursor = entry.pointee.ifa_next
            let flags = entry.pointee.ifa_flags
            // IFF_UP 0x1, IFF_LOOPBACK 0x8 (<net/if.h>).
            guard flags & 0x1 != 0, flags & 0x8 == 0, let address = entry.pointee.ifa_addr,
                  address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            var ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            guard inet_ntop(AF_INET, &ipv4, &text, socklen_t(INET_ADDRSTRLEN)) != nil else { continue }
            let string = String(cString: text)
            if !out.contains(string) { out.append(string) }
        }
        return out
    }
}
