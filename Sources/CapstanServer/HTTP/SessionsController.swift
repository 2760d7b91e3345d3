import Hummingbird

/// `GET /api/sessions` (live, then recently ended), `GET /api/sessions/{id}`
/// (with its event log and recording), `DELETE /api/sessions/{id}` (hang up
/// from the server side: `local-hangup`).
struct SessionsController {
    let manager: SessionManager

    func addRoutes(to group: RouterGroup<CapstanRequestContext>) {
        group.get("", use: list)
        group.get(":id", use: show)
        group.get(":id/stats", use: stats)
        group.delete(":id", use: hangUp)
    }

    @Sendable func list(_ request: Request, context: CapstanRequestContext) async throws -> Response {
        try jsonResponse(await manager.list())
    }

    @Sendable func show(_ request: Request, context: CapstanRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let summary = await manager.summary(id: id) else { throw APIError(.notFound, "not-found", "no session \(id)") }
        return try jsonResponse(summary)
    }

    /// `GET /api/sessions/{id}/stats`: the live session's W3C `webrtc-stats`
    /// (an object from stats id to dictionary); 404 once it ended.
    @Sendable func stats(_ request: Request, context: CapstanRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let report = await manager.w3cStats(id: id) else { throw APIError(.notFound, "not-found", "no live session \(id)") }
        return try jsonResponse(report)
    }

    @Sendable func hangUp(_ request: Request, context: CapstanRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard await manager.end(id: id, reason: .localHangup) else { throw APIError(.notFound, "not-found", "no session \(id)") }
        return try jsonResponse(await manager.summary(id: id))
    }
}

/// `POST /api/calls {"peerId"}`: the daemon calls a registered WebSocket peer.
struct CallsController {
    let signaller: WebSocketSignaller

    struct CallRequest: Decodable { var peerId: String }
    struct CallCreated: Encodable { var id: String; var peerId: String }

    func addRoutes(to group: RouterGroup<CapstanRequestContext>) {
        group.post("", use: call)
    }

    @Sendable func call(_ request: Request, context: CapstanRequestContext) async throws -> Response {
        try request.requireContentType("application/json", format: .json)
        let body: CallRequest
        do { body = try await request.decode(as: CallRequest.self, context: context) } catch {
            throw APIError(.badRequest, "bad-request", "body must be {\"peerId\": \"...\"}")
        }
        let id: String
        do throws(SignallingError) {
            id = try await signaller.call(peerID: body.peerId)
        } catch {
            throw APIError(HTTPResponse.Status(code: error.status), "call-failed", error.reason)
        }
        return try jsonResponse(CallCreated(id: id, peerId: body.peerId), status: .created)
    }
}
