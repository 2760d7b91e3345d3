import HTTPTypes
import Hummingbird
import NIOCore

/// WHIP (RFC 9725): `POST /whip` answers an offer and creates the session
/// resource `/whip/{id}`; `PATCH` trickles or restarts ICE (RFC 8840);
/// `DELETE` hangs up. Signalling only: every decision is the SessionManager's.
struct WHIPController {
    static let sdp = "application/sdp"
    static let sdpfrag = "application/trickle-ice-sdpfrag"

    let manager: SessionManager
    /// STUN servers and TURN credentials for the `Link` headers.
    let iceServers: ICEServerDirectory
    /// A plain `OPTIONS` needs no token; TURN credentials go only to one
    /// that presents the publish token (when one is configured).
    let policy: AccessPolicy

    func addRoutes(to group: RouterGroup<CapstanRequestContext>) {
        group.on("", method: .options, use: options)
        group.post("", use: publish)
        group.on(":id", method: .options, use: resourceOptions)
        group.patch(":id", use: patch)
        group.delete(":id", use: hangUp)
    }

    /// RFC 9725 §4.6: what the endpoint takes and its ICE servers.
    @Sendable func options(_ request: Request, context: CapstanRequestContext) async throws -> Response {
        var headers: HTTPFields = [.allow: "OPTIONS, POST", .acceptPost: Self.sdp]
        let mayPublish = policy.grant(AccessPolicy.bearer(request.headers[.authorization]), for: .publish) != nil
        addLinks(to: &headers, subject: "whip", includeTURN: mayPublish)
        return Response(status: .noContent, headers: headers)
    }

    @Sendable func resourceOptions(_ request: Request, context: CapstanRequestContext) async throws -> Response {
        Response(status: .noContent, headers: [.allow: "OPTIONS, PATCH, DELETE", .acceptPatch: Self.sdpfrag])
    }

    @Sendable func publish(_ request: Request, context: CapstanRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        try request.requireContentType(Self.sdp, format: .text)
        let body = try await request.collectBody(upTo: manager.configuration.maxSDPBytes, format: .text)
        do throws(SignallingError) {
            let created = try await manager.createWHIPSession(offer: String(buffer: body),
                                                            requestedMode: request.uri.queryParameters.get("mode"),
                                                            requester: context.requester)
            var headers: HTTPFields = [.contentType: Self.sdp, .location: "/whip/\(created.id)", .eTag: created.etag]
            addLinks(to: &headers, subject: created.id, includeTURN: true)
            manager.metrics.whipAnswered(seconds: (ContinuousClock.now - started).seconds)
            return Response(status: .created, headers: headers, body: .init(byteBuffer: ByteBuffer(string: created.answer)))
        } catch {
            manager.metrics.signallingRejected(status: error.status)
            throw APIError(error, format: .text)
        }
    }

    @Sendable func patch(_ request: Request, context: CapstanRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        try request.requireContentType(Self.sdpfrag, format: .text)
        let body = try await request.collectBody(upTo: manager.configuration.maxSDPBytes, format: .text)
        do throws(SignallingError) {
            let result = try await manager.patch(id: id, fragment: String(buffer: body), ifMatch: request.headers[.ifMatch])
            var headers: HTTPFields = [.eTag: result.etag]
            guard let answer = result.body else { return Response(status: .noContent, headers: headers) }
            headers[.contentType] = Self.sdpfrag
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: answer)))
        } catch {
            throw APIError(error, format: .text)
        }
    }

    @Sendable func hangUp(_ request: Request, context: CapstanRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard await manager.end(id: id, reason: .remoteHangup) else {
            throw APIError(.notFound, "not-found", "no session \(id)", format: .text)
        }
        return Response(status: .ok)
    }

    /// RFC 9725 §4.6: one `Link: <url>; rel="ice-server"` per configured
    /// server; TURN servers with credentials minted for `subject`.
    private func addLinks(to headers: inout HTTPFields, subject: String, includeTURN: Bool) {
        guard let value = ICEServerDirectory.linkHeader(iceServers.servers(for: subject, includeTURN: includeTURN)) else {
            return
        }
        headers[.link] = value
    }
}

extension HTTPField.Name {
    static let acceptPost = HTTPField.Name("Accept-Post")!
    static let acceptPatch = HTTPField.Name("Accept-Patch")!
    static let link = HTTPField.Name("Link")!
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
