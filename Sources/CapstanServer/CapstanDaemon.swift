import DTLS
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import Transport

/// `capstan serve`: the media port, the session manager and the HTTP
/// server, run as services. SIGTERM/SIGINT: stop accepting, end every
/// session with `shutdown`, close the port, exit.
public enum CapstanDaemon {
    /// Metrics go to one process-wide Prometheus registry.
    nonisolated(unsafe) private static var metricsBootstrapped = false
    static let registry = PrometheusCollectorRegistry()
    private static let bootstrapLock = NSLock()

    static func bootstrapMetrics() {
        bootstrapLock.withLock {
            guard !metricsBootstrapped else { return }
            metricsBootstrapped = true
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        }
    }

    /// Runs until a shutdown signal (or until `onReady`'s caller triggers
    /// the returned group's shutdown in tests). `onReady` receives the bound
    /// HTTP and media addresses.
    public static func run(configuration: CapstanConfiguration,
                           logger: Logger,
                           onReady: @escaping @Sendable (_ http: String, _ media: String) async -> Void = { _, _ in }) async throws {
        try configuration.validate()
        bootstrapMetrics()
        // Recovery: the list is taken now, before any session can start a
        // recording; the work starts once HTTP listens (below), on a thread
        // of its own, one file at a time in child processes.
        let recovery: (worker: RecordingRecovery, names: [String])?
        if configuration.mode != .loopback {
            let store = RecordingStore(directory: configuration.recordings)
            try store.prepare()
            let worker = store.recovery()
            recovery = (worker, worker.candidates())
        } else {
            recovery = nil
        }
        let recoveryStarted = OnceFlag()
        let recoveryStop = StopFlag()
        let group = MultiThreadedEventLoopGroup.singleton
        let port = try await MediaPort.bind(host: configuration.media.host, port: configuration.media.port, group: group)
        let certificate = try DTLSCertificate.generateECDSA(commonName: "capstan")
        let manager = SessionManager(port: port, configuration: configuration, certificate: certificate, logger: logger)
        let sessions = SessionService(manager: manager, logger: logger)
        let mediaAddress = port.localAddress.description
        let app = Application(
            router: HTTPRoutes.router(manager: manager, registry: registry),
            server: .http1WebSocketUpgrade(
                webSocketRouter: WebSocketRoute.router(manager: manager),
                configuration: .init(ws: .init(maxFrameSize: WebSocketRoute.maxFrameSize))),
            configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port),
                                 serverName: "capstan"),
            onServerRunning: { channel in
                let http = channel.localAddress.map { "\($0.ipAddress ?? configuration.http.host):\($0.port ?? 0)" } ?? ""
                logger.info("capstan serving", metadata: ["http": .string(http), "media": .string(mediaAddress),
                                                          "mode": .string(configuration.mode.rawValue)])
                if let (worker, names) = recovery, !names.isEmpty, recoveryStarted.setOnce() {
                    let thread = Thread {
                        worker.run(names, logger: logger, metrics: CapstanMetrics(), stop: recoveryStop)
                        recoveryStop.finished()
                    }
                    thread.name = "capstan-recovery"
                    thread.start()
                }
                await onReady(http, mediaAddress)
            },
            logger: logger)
        let serviceGroup = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: sessions)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        // At shutdown, a recovery still running kills its child and stops;
        // the file it was on is left for the next start.
        defer {
            if recoveryStarted.isSet {
                recoveryStop.stop()
                recoveryStop.waitUntilFinished(timeout: 5)
            }
        }
        try await serviceGroup.run()
    }
}

/// Runs session timers while the daemon lives; on graceful shutdown ends
/// every session with reason `shutdown` and closes the media port.
struct SessionService: Service {
    let manager: SessionManager
    let logger: Logger

    func run() async throws {
        let timer = manager.port.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in
            manager.tickCalls(now: NIODeadline.now().uptimeNanoseconds)
        }
        try? await gracefulShutdown()
        let live = await manager.liveCount()
        logger.info("shutting down", metadata: ["sessions": .stringConvertible(live)])
        await manager.shutdown()
        timer.cancel()
        try? await manager.port.close()
    }
}

/// True once: `setOnce()` returns true to its first caller only.
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false

    var isSet: Bool { lock.withLock { set } }

    func setOnce() -> Bool {
        lock.withLock {
            defer { set = true }
            return !set
        }
    }
}
