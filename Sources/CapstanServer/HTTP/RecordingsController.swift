import Foundation
import Hummingbird
import MediaBridge

/// `GET /api/recordings`: finalized recordings (a file being written has no
/// sidecar yet), each with a signed link valid `signedURLSeconds`, which a
/// `<video>` element or a download can use without the admin token.
struct RecordingsController {
    let directory: String
    let signer: RecordingURLSigner
    let lifetimeSeconds: Int
    let now: @Sendable () -> Date

    struct Listed: Encodable {
        var entry: RecordingSidecar
        var url: String
        var urlExpires: String

        func encode(to encoder: Encoder) throws {
            try entry.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(url, forKey: .url)
            try container.encode(urlExpires, forKey: .urlExpires)
        }

        enum Keys: String, CodingKey { case url, urlExpires }
    }

    func addRoutes(to group: RouterGroup<CapstanRequestContext>) {
        group.get("", use: list)
    }

    @Sendable func list(_ request: Request, context: CapstanRequestContext) async throws -> Response {
        let expires = Int64(now().timeIntervalSince1970) + Int64(lifetimeSeconds)
        let expiresText = Date(timeIntervalSince1970: TimeInterval(expires)).formatted(.iso8601)
        let listed = try RecordingStore(directory: directory).list().map { entry in
            Listed(entry: entry, url: signer.sign(path: "/recordings/\(entry.file)", expires: expires), urlExpires: expiresText)
        }
        return try jsonResponse(listed)
    }
}
