import DTLS
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOPosix
import Prometheus
import SRTP
import ServiceLifecycle
import Transport

/// What the daemon and the tests may replace when building the application.
public struct ApplicationOptions: Sendable {
    /// Wall clock for signed-link expiry and certificate rotation.
    public var now: @Sendable () -> Date = { Date() }
    /// Called once HTTP listens, with the bound HTTP and media addresses.
    public var onReady: @Sendable (_ http: String, _ media: String) async -> Void = { _, _ in }
    /// Start-up recovery of recordings a crash left (the daemon runs it; tests may not).
    public var recoverRecordings = true
    /// The key of signed recording links; random per start unless set.
    public var signer = RecordingURLSigner.random()

    public init() {}
}

/// Builds Capstan's whole server: the media port, the session manager, the
/// HTTP routes (WHIP, REST, recordings, metrics, the browser sample) and the
/// WebSocket signaller, with the session timers as a service. `capstan
/// serve` runs what this returns; the tests drive it in process
/// (as a service on 127.0.0.1, `Tests/ServerTests/InProcessCapstan.swift`).
public func buildApplication(configuration: CapstanConfiguration, logger: Logger,
                             options: ApplicationOptions = .init()) async throws -> some ApplicationProtocol {
    try configuration.validate()
    CapstanDaemon.bootstrapMetrics()
    let recovery: (worker: RecordingRecovery, names: [String])?
    if configuration.mode != .loopback {
        let store = RecordingStore(directory: configuration.recordings)
        try store.prepare()
        let worker = store.recovery()
        recovery = options.recoverRecordings ? (worker, worker.candidates()) : nil
    } else {
        recovery = nil
    }
    let port = try await MediaPort.bind(host: configuration.media.host, port: configuration.media.port,
                                        group: MultiThreadedEventLoopGroup.singleton,
                                        readInterval: .milliseconds(Int64(configuration.mediaReadIntervalMs)))
    do {
        try await port.listenICETCP(configuration: configuration, logger: logger)
    } catch {
        try? await port.close()
        throw error
    }
    let certificates = try CertificateStore(rotationSeconds: configuration.certificateRotationSeconds, now: options.now)
    // libsrtp and its crypto backend start now, not in the first call's DTLS-to-media step.
    try SRTPSession.prepareLibrary()
    let manager = SessionManager(port: port, configuration: configuration, certificates: certificates, logger: logger)
    let policy = AccessPolicy(configuration: configuration)
    let webSocket = WebSocketSignaller(manager: manager)
    let recoveryRun = RecoveryRun()

    let router = Router(context: CapstanRequestContext.self)
    router.add(middleware: RequestGuardMiddleware(policy: policy, signer: options.signer, now: options.now))
    // The browser sample: static files, public (they hold no secrets; the
    // page sends the token the user types with its API calls).
    router.add(middleware: FileMiddleware(configuration.samples, urlBasePath: "/samples", searchForIndexHtml: true))
    // Recordings for download and playback (range requests, so a <video>
    // element can seek); admin token or a signed link.
    router.add(middleware: FileMiddleware(configuration.recordings, urlBasePath: "/recordings"))
    OperationsController(manager: manager, registry: CapstanDaemon.registry).addRoutes(to: router.group())
    let iceServers = ICEServerDirectory(configuration: configuration, now: options.now)
    WHIPController(manager: manager, iceServers: iceServers, policy: policy).addRoutes(to: router.group("whip"))
    ICEServersController(iceServers: iceServers).addRoutes(to: router.group("api/ice-servers"))
    SessionsController(manager: manager).addRoutes(to: router.group("api/sessions"))
    CallsController(signaller: webSocket).addRoutes(to: router.group("api/calls"))
    RecordingsController(directory: configuration.recordings, signer: options.signer,
                         lifetimeSeconds: configuration.signedURLSeconds, now: options.now)
        .addRoutes(to: router.group("api/recordings"))

    let mediaAddress = port.localAddress.description
    let tcpAddress = port.tcpLocalAddress?.description ?? "off"
    var app = Application(
        router: router,
        server: .capstan(webSocketRouter: WebSocketRoute.router(signaller: webSocket, policy: policy,
                                                                iceServers: iceServers),
                         idleTimeout: .seconds(Int64(configuration.httpIdleTimeoutSeconds)),
                         maxFrameSize: WebSocketRoute.maxFrameSize),
        configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port),
                             serverName: "capstan"),
        onServerRunning: { channel in
            let http = channel.localAddress.map { "\($0.ipAddress ?? configuration.http.host):\($0.port ?? 0)" } ?? ""
            logger.info("capstan serving", metadata: ["http": .string(http), "media": .string(mediaAddress),
                                                      "tcp": .string(tcpAddress),
                                                      "mode": .string(configuration.mode.rawValue)])
            if let (worker, names) = recovery, !names.isEmpty { recoveryRun.start(worker, names: names, logger: logger) }
            await options.onReady(http, mediaAddress)
        },
        logger: logger)
    app.addServices(SessionService(manager: manager, recovery: recoveryRun, logger: logger))
    return app
}

/// `/healthz` and `/metrics` (Prometheus text).
struct OperationsController {
    let manager: SessionManager
    let registry: PrometheusCollectorRegistry

    func addRoutes(to group: RouterGroup<CapstanRequestContext>) {
        group.get("healthz") { _, _ in "ok\n" }
        group.get("metrics") { _, _ in
            await manager.publishMetrics()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}

/// Runs session timers while the daemon lives; on graceful shutdown ends
/// every session with reason `shutdown`, stops a recovery still running
/// (the file it was on is left for the next start) and closes the media port.
struct SessionService: Service {
    let manager: SessionManager
    let recovery: RecoveryRun
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
        recovery.stop()
        try? await manager.port.close()
    }
}

/// Start-up recovery on a thread of its own, once; stopped at shutdown.
final class RecoveryRun: @unchecked Sendable {
    private let started = OnceFlag()
    private let flag = StopFlag()

    func start(_ worker: RecordingRecovery, names: [String], logger: Logger) {
        guard started.setOnce() else { return }
        let thread = Thread { [flag] in
            worker.run(names, logger: logger, metrics: CapstanMetrics(), stop: flag)
            flag.finished()
        }
        thread.name = "capstan-recovery"
        thread.start()
    }

    func stop() {
        guard started.isSet else { return }
        flag.stop()
        flag.waitUntilFinished(timeout: 5)
    }
}
