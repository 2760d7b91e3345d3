import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core storage, the
/// client's address (per-address session caps) and the token scope the
/// guard middleware granted (per-token caps).
public struct CapstanRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Set by `RequestGuardMiddleware` before any route runs.
    public var grant: AccessPolicy.Grant = .anonymous

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Who is asking, for the session caps: the client's IP address and token.
    var requester: Requester {
        Requester(address: remoteAddress?.ipAddress, grant: grant)
    }
}

/// The source of a session request, for `maxSessionsPerAddress` and
/// `maxSessionsPerToken`. An unknown address (in-process router tests) is not capped.
public struct Requester: Sendable, Hashable {
    public var address: String?
    public var grant: AccessPolicy.Grant

    public init(address: String?, grant: AccessPolicy.Grant) {
        self.address = address
        self.grant = grant
    }
}
