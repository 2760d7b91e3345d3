import Foundation
import Hummingbird
import NIOCore
import PeerSession
import Prometheus

/// The daemon's HTTP surface (DESIGN §3): WHIP (RFC 9725), REST, health and
/// metrics. Signalling only: every decision about a call is the
/// SessionManager's.
enum HTTPRoutes {
    static let sdp = "application/sdp"
    static let sdpfrag = "application/trickle-ice-sdpfrag"

    static func router(manager: SessionManager, registry: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
        let configuration = manager.configuration
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: BearerTokenMiddleware(token: configuration.token))
        // The browser sample: static files, public (they hold no secrets; the
        // page sends the token the user types with its API calls).
        router.add(middleware: FileMiddleware(configuration.samples, urlBasePath: "/samples", searchForIndexHtml: true))
        // Recordings for download and playback (range requests, so a <video>
        // element can seek); behind the token, which may come as ?token=.
        router.add(middleware: FileMiddleware(configuration.recordings, urlBasePath: "/recordings"))

        router.get("healthz") { _, _ in "ok\n" }

        router.get("metrics") { _, _ in
            await manager.publishMetrics()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }

        router.on("whip", method: .options) { _, _ in
            var headers = corsHeaders()
            headers[.init("Accept-Post")!] = sdp
            addLinks(configuration.iceServers, to: &headers)
            return Response(status: .noContent, headers: headers)
        }

        router.post("whip") { request, context -> Response in
            let started = ContinuousClock.now
            guard request.headers[.contentType]?.lowercased().hasPrefix(sdp) == true else {
                return textError(.unsupportedMediaType, "WHIP offers must be \(sdp)")
            }
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: configuration.maxSDPBytes) } catch {
                return textError(.contentTooLarge, "offer larger than \(configuration.maxSDPBytes) bytes")
            }
            do throws(SignallingError) {
                let created = try await manager.createWHIPSession(offer: String(buffer: body),
                                                                requestedMode: request.uri.queryParameters.get("mode"))
                var headers = corsHeaders()
                headers[.contentType] = sdp
                headers[.location] = "/whip/\(created.id)"
                headers[.eTag] = created.etag
                addLinks(configuration.iceServers, to: &headers)
                manager.metrics.whipAnswered(seconds: (ContinuousClock.now - started).seconds)
                return Response(status: .created, headers: headers,
                                body: .init(byteBuffer: ByteBuffer(string: created.answer)))
            } catch {
                manager.metrics.signallingRejected(status: error.status)
                return textError(HTTPResponse.Status(code: error.status), error.reason)
            }
        }

        // The CORS preflight of a WHIP resource: a page on another origin
        // sends it before its trickle PATCH and its hang-up DELETE.
        router.on("whip/:id", method: .options) { _, _ in
            Response(status: .noContent, headers: corsHeaders())
        }

        router.patch("whip/:id") { request, context -> Response in
            let id = try context.parameters.require("id")
            guard request.headers[.contentType]?.lowercased().hasPrefix(sdpfrag) == true else {
                return textError(.unsupportedMediaType, "trickle must be \(sdpfrag)")
            }
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: configuration.maxSDPBytes) } catch {
                return textError(.contentTooLarge, "fragment larger than \(configuration.maxSDPBytes) bytes")
            }
            do throws(SignallingError) {
                let result = try await manager.patch(id: id, fragment: String(buffer: body),
                                                     ifMatch: request.headers[.ifMatch])
                var headers = corsHeaders()
                headers[.eTag] = result.etag
                guard let answer = result.body else { return Response(status: .noContent, headers: headers) }
                headers[.contentType] = sdpfrag
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: answer)))
            } catch {
                return textError(HTTPResponse.Status(code: error.status), error.reason)
            }
        }

        router.delete("whip/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard await manager.end(id: id, reason: .remoteHangup) else {
                return textError(.notFound, "no session \(id)")
            }
            return Response(status: .ok, headers: corsHeaders())
        }

        router.post("api/calls") { request, context -> Response in
            struct CallRequest: Decodable { var peerId: String }
            let body: CallRequest
            do { body = try await request.decode(as: CallRequest.self, context: context) } catch {
                return try jsonError(.badRequest, "bad-request", "body must be {\"peerId\": \"...\"}")
            }
            let id: String
            do throws(SignallingError) {
                id = try await manager.call(peerID: body.peerId)
            } catch {
                return try jsonError(HTTPResponse.Status(code: error.status), "call-failed", error.reason)
            }
            return try json(["id": id, "peerId": body.peerId], status: .created)
        }

        router.get("api/recordings") { _, _ in
            // Finalized recordings only: a file being written has no sidecar yet.
            try json(RecordingStore(directory: configuration.recordings).list())
        }

        router.get("api/sessions") { _, _ in
            try json(await manager.list())
        }

        router.get("api/sessions/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard let summary = await manager.summary(id: id) else {
                return try jsonError(.notFound, "not-found", "no session \(id)")
            }
            return try json(summary)
        }

        router.delete("api/sessions/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard await manager.end(id: id, reason: .localHangup) else {
                return try jsonError(.notFound, "not-found", "no session \(id)")
            }
            return try json(await manager.summary(id: id))
        }
        return router
    }

    static func corsHeaders() -> HTTPFields {
        [
            .accessControlAllowOrigin: "*",
            .accessControlAllowMethods: "OPTIONS, POST, PATCH, DELETE",
            .accessControlAllowHeaders: "Authorization, Content-Type, If-Match",
            .accessControlExposeHeaders: "Location, ETag, Link",
        ]
    }

    /// RFC 9725 §4.6: one `Link: <url>; rel="ice-server"` per configured server.
    static func addLinks(_ servers: [String], to headers: inout HTTPFields) {
        guard !servers.isEmpty else { return }
        headers[.init("Link")!] = servers.map { "<\($0)>; rel=\"ice-server\"" }.joined(separator: ", ")
    }

    static func textError(_ status: HTTPResponse.Status, _ reason: String) -> Response {
        var headers = corsHeaders()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: reason + "\n")))
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func jsonError(_ status: HTTPResponse.Status, _ error: String, _ reason: String) throws -> Response {
        try json(ErrorBody(error: error, reason: reason), status: status)
    }
}

/// With a token configured, every endpoint but /healthz (and CORS
/// preflights) needs `Authorization: Bearer TOKEN`; 401 otherwise.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token, request.uri.path != "/healthz", request.method != .options,
              !request.uri.path.hasPrefix("/samples") else {
            return try await next(request, context)
        }
        // Media elements and download links cannot send headers.
        let queryToken = request.uri.path.hasPrefix("/recordings/") && request.uri.queryParameters.get("token") == token
        guard request.headers[.authorization] == "Bearer \(token)" || queryToken else {
            var headers = HTTPRoutes.corsHeaders()
            headers[.wwwAuthenticate] = "Bearer"
            headers[.contentType] = "application/json"
            return Response(status: .unauthorized, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(string: #"{"error":"unauthorized","reason":"missing or wrong bearer token"}"#)))
        }
        return try await next(request, context)
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
