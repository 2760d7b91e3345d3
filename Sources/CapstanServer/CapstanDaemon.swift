import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `capstan serve`: the application `buildApplication` makes, run until
/// SIGTERM/SIGINT: stop accepting, end every session with `shutdown`, close
/// the port, exit.
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

    public static func run(configuration: CapstanConfiguration, logger: Logger,
                           onReady: @escaping @Sendable (_ http: String, _ media: String) async -> Void = { _, _ in }) async throws {
        var options = ApplicationOptions()
        options.onReady = onReady
        let app = try await buildApplication(configuration: configuration, logger: logger, options: options)
        let serviceGroup = ServiceGroup(configuration: .init(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await serviceGroup.run()
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
