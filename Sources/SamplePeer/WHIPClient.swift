import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The HTTP half of a WHIP client (RFC 9725 §4): POST the offer, read the
/// answer and the session URL, DELETE to hang up. Transport-agnostic.
public struct WHIPClient: Sendable {
    public let endpoint: URL
    public let token: String?

    public init(endpoint: URL, token: String? = nil) {
        self.endpoint = endpoint
        self.token = token
    }

    public struct Answer: Sendable {
        public var sdp: String
        public var resource: URL
        public var etag: String?
        /// STUN/TURN URLs the server advertised in `Link: <…>; rel="ice-server"` (RFC 9725
        /// §4.6). The sample peer gathers host candidates only, so it reports them but does
        /// not use them.
        public var iceServers: [String] = []
    }

    /// The `rel="ice-server"` targets of a `Link` header value (several links may share one
    /// header, comma-separated, RFC 8288 §3). Other relations are skipped.
    public static func iceServers(fromLink header: String?) -> [String] {
        guard let header else { return [] }
        var servers: [String] = []
        var rest = Substring(header)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            let target = String(rest[rest.index(after: open)..<close])
            let after = rest[rest.index(after: close)...]
            let params = after.prefix { $0 != "<" }
            let isICE = params.split(separator: ";").contains { part in
                let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return kv.count == 2 && kv[0].lowercased() == "rel"
                    && kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\", ")).lowercased()
                        .split(separator: " ").contains("ice-server")
            }
            if isICE { servers.append(target) }
            rest = after[params.endIndex...]
        }
        return servers
    }

    /// POSTs `offer`; returns the answer and the session resource.
    public func publish(offer: String) async throws(SamplePeerError) -> Answer {
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.setValue("application/sdp", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(offer.utf8)
        let (body, response) = try await send(request)
        guard response.statusCode == 201 else {
            throw .http(status: response.statusCode, body: String(decoding: body, as: UTF8.self))
        }
        guard let location = response.value(forHTTPHeaderField: "Location"),
              let resource = URL(string: location, relativeTo: endpoint)?.absoluteURL else {
            throw .protocolViolation("201 without a Location header")
        }
        return Answer(sdp: String(decoding: body, as: UTF8.self), resource: resource,
                      etag: response.value(forHTTPHeaderField: "ETag"),
                      iceServers: Self.iceServers(fromLink: response.value(forHTTPHeaderField: "Link")))
    }

    /// DELETEs the session resource (the daemon ends it `remote-hangup`).
    public func hangUp(_ resource: URL) async throws(SamplePeerError) {
        var request = URLRequest(url: resource)
        request.httpMethod = "DELETE"
        let (body, response) = try await send(request)
        guard response.statusCode == 200 || response.statusCode == 204 else {
            throw .http(status: response.statusCode, body: String(decoding: body, as: UTF8.self))
        }
    }

    private func send(_ request: URLRequest) async throws(SamplePeerError) -> (Data, HTTPURLResponse) {
        var request = request
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.timeoutInterval = 10
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            guard let http = response as? HTTPURLResponse else { throw SamplePeerError.protocolViolation("not HTTP") }
            return (data, http)
        } catch let error as SamplePeerError {
            throw error
        } catch {
            throw .network(String(describing: error))
        }
    }
}
