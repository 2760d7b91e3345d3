import Foundation
import Hummingbird

/// `GET /api/ice-servers[?peer=NAME]` (admin scope): the ICE servers an app
/// backend hands its own clients, TURN with fresh credentials whose username
/// names `peer` (default `api`). `{"iceServers": [...], "ttlSeconds": N}`,
/// the list in the shape of `RTCConfiguration.iceServers`.
struct ICEServersController {
    let iceServers: ICEServerDirectory

    struct Body: Encodable {
        var iceServers: [SignallingMessage.ICEServer]
        var ttlSeconds: Int?
        var realm: String?
    }

    func addRoutes(to group: RouterGroup<CapstanRequestContext>) {
        group.get("", use: list)
    }

    @Sendable func list(_ request: Request, context: CapstanRequestContext) async throws -> Response {
        let peer = request.uri.queryParameters.get("peer").map { String($0) } ?? "api"
        guard SignallingMessage.isValidPeerID(peer) || peer == "api" else {
            throw APIError(.badRequest, "bad-request", "peer: 1–64 letters, digits, - _ .")
        }
        return try jsonResponse(Body(iceServers: iceServers.servers(for: peer), ttlSeconds: iceServers.turn?.ttlSeconds,
                                     realm: iceServers.turn?.realm))
    }
}
