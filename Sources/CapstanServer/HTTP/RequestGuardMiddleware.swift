import Foundation
import Hummingbird
import NIOCore

/// The first middleware of every request (DESIGN §8, issue 11), in order:
/// 1. `Host` must name this daemon (DNS rebinding): else 421.
/// 2. A browser's `Origin` must be this daemon's own or allowed for CORS
///    preflights and for anything that changes state: else 403. Allowed
///    origins get CORS headers on every response, errors included.
/// 3. The route's scope needs its token (constant-time compare): else 401.
///    Recordings also open with a valid signed link.
struct RequestGuardMiddleware: RouterMiddleware {
    typealias Context = CapstanRequestContext

    let policy: AccessPolicy
    let signer: RecordingURLSigner
    let now: @Sendable () -> Date

    static let exposedHeaders = "Location, ETag, Link, Accept-Post, Accept-Patch"
    static let allowedHeaders = "Authorization, Content-Type, If-Match"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let host = request.head.authority
        guard policy.allowsHost(host) else {
            return try APIError(.misdirectedRequest, "forbidden-host",
                                "Host \"\(host ?? "")\" is not this server's; add it to allowedHosts if it is")
                .response(from: request, context: context)
        }
        let origin = request.headers[.origin]
        let originAllowed = origin.map { policy.allowsOrigin($0, host: host) } ?? false
        let path = request.uri.path

        if request.method == .options, origin != nil, request.headers[.accessControlRequestMethod] != nil {
            guard originAllowed, let origin else {
                return try APIError(.forbidden, "forbidden-origin",
                                    "Origin \(origin ?? "") may not call this server; add it to allowedOrigins")
                    .response(from: request, context: context)
            }
            var headers = Self.corsHeaders(origin: origin)
            headers[.accessControlAllowMethods] = Self.methods(for: path)
            headers[.accessControlAllowHeaders] = Self.allowedHeaders
            headers[.accessControlMaxAge] = "600"
            return Response(status: .noContent, headers: headers)
        }
        if let origin, !originAllowed, Self.changesState(request.method) {
            return try APIError(.forbidden, "forbidden-origin",
                                "Origin \(origin) may not call this server; add it to allowedOrigins")
                .response(from: request, context: context)
        }

        var context = context
        // A plain OPTIONS (not a preflight) says what a resource takes: no token.
        let scope = request.method == .options ? .open : Self.scope(of: path)
        if let grant = policy.grant(AccessPolicy.bearer(request.headers[.authorization]), for: scope) {
            context.grant = grant
        } else if scope == .admin, path.hasPrefix("/recordings/"), request.method == .get || request.method == .head,
                  signer.verify(path: path, expires: request.uri.queryParameters.get("expires"),
                                signature: request.uri.queryParameters.get("signature"), now: now()) {
            context.grant = .admin
        } else {
            var error = APIError(.unauthorized, "unauthorized",
                                 "missing or wrong bearer token (this resource needs the \(scope.rawValue) token)")
            error.headers[.wwwAuthenticate] = "Bearer"
            return withCORS(try error.response(from: request, context: context), origin: originAllowed ? origin : nil)
        }

        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        return withCORS(response, origin: originAllowed ? origin : nil)
    }

    private func withCORS(_ response: Response, origin: String?) -> Response {
        guard let origin else { return response }
        var response = response
        for field in Self.corsHeaders(origin: origin) { response.headers[field.name] = field.value }
        return response
    }

    static func corsHeaders(origin: String) -> HTTPFields {
        [
            .accessControlAllowOrigin: origin,
            .vary: "Origin",
            .accessControlExposeHeaders: exposedHeaders,
        ]
    }

    static func changesState(_ method: HTTPRequest.Method) -> Bool {
        method != .get && method != .head && method != .options
    }

    static func scope(of path: String) -> AccessPolicy.Scope {
        if path == "/healthz" || path == "/samples" || path.hasPrefix("/samples/") { return .open }
        if path == "/whip" || path.hasPrefix("/whip/") || path == "/ws" { return .publish }
        return .admin
    }

    /// What a preflight may ask for, per resource.
    static func methods(for path: String) -> String {
        if path == "/whip" { return "OPTIONS, POST" }
        if path.hasPrefix("/whip/") { return "OPTIONS, PATCH, DELETE" }
        return "OPTIONS, GET, POST, DELETE"
    }
}
