import Logging
import Transport

extension CapstanConfiguration {
    /// The ICE-TCP listener's bounds from the configuration (DESIGN.md §8).
    public var tcpLimits: ICETCPLimits {
        var limits = ICETCPLimits()
        limits.maxConnections = tcpMaxConnections
        limits.maxConnectionsPerAddress = tcpMaxConnectionsPerAddress
        limits.handshakeTimeout = .seconds(Int64(tcpHandshakeTimeoutSeconds))
        return limits
    }
}

extension MediaPort {
    /// Starts the ICE-TCP listener as `mediaTCP` says, on the media host: by default at the
    /// UDP port's number. With an ephemeral UDP port (`media` port 0, as in tests) whose
    /// number is taken for TCP, any free TCP port is used instead; a fixed port that cannot
    /// be bound stops the daemon with a message that names the key.
    func listenICETCP(configuration: CapstanConfiguration, logger: Logger) async throws {
        let host = configuration.media.host
        switch configuration.mediaTCP {
        case .off:
            return
        case .port(let port):
            do {
                try await listenTCP(host: host, port: port, limits: configuration.tcpLimits)
            } catch {
                throw ServerError.invalidConfiguration("mediaTCP: cannot listen on \(host):\(port) (TCP): \(error)")
            }
        case .samePort:
            let port = Int(localAddress.port)
            do {
                try await listenTCP(host: host, port: port, limits: configuration.tcpLimits)
            } catch where configuration.media.port == 0 {
                logger.debug("ICE-TCP: the UDP port's number is taken for TCP; using another",
                             metadata: ["media.port": .stringConvertible(port)])
                try await listenTCP(host: host, port: 0, limits: configuration.tcpLimits)
            } catch {
                throw ServerError.invalidConfiguration(
                    "mediaTCP: cannot listen on \(host):\(port) (TCP, the media port's number): \(error); set mediaTCP to off or another port")
            }
        }
    }
}
