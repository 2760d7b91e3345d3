import CapstanServer
import CapstanTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import Logging
import NIOCore

/// Capstan built by the same `buildApplication` the daemon runs, driven in
/// process: the application runs as a service on 127.0.0.1 (HTTP and media
/// ports chosen by the kernel) and the test talks to it over real TCP with
/// `CapstanTestClient` — Host headers of our choosing, WebSockets, idle
/// connections and client addresses all behave as in production.
enum InProcessCapstan {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples").path

    static func configuration(in directory: TemporaryDirectory,
                              _ change: (inout CapstanConfiguration) throws -> Void = { _ in }) rethrows -> CapstanConfiguration {
        var configuration = CapstanConfiguration()
        configuration.http = .init(host: "127.0.0.1", port: 0)
        configuration.media = .init(host: "127.0.0.1", port: 0)
        configuration.recordings = directory.url.appendingPathComponent("recordings").path
        configuration.samples = samples
        configuration.logLevel = "warning"
        try change(&configuration)
        return configuration
    }

    enum Failure: Error { case didNotListen }

    /// Builds, runs `test` against it, shuts it down (every session ends).
    static func run<Value: Sendable>(options: ApplicationOptions = .init(),
                                     _ change: (inout CapstanConfiguration) throws -> Void = { _ in },
                                     _ test: @Sendable (CapstanTestClient, TemporaryDirectory) async throws -> Value) async throws -> Value {
        let directory = try TemporaryDirectory(prefix: "capstan-inprocess")
        defer { directory.remove() }
        let configuration = try Self.configuration(in: directory, change)
        var logger = Logger(label: "capstan-test")
        logger.logLevel = .warning
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Int.self)
        var options = options
        let onReady = options.onReady
        options.onReady = { http, media in
            await onReady(http, media)
            readyContinuation.yield(http.split(separator: ":").last.flatMap { Int($0) } ?? 0)
            readyContinuation.finish()
        }
        let app = try await buildApplication(configuration: configuration, logger: logger, options: options)
        let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { readyContinuation.finish() }
                try await services.run()
            }
            let result: Result<Value, any Error>
            if let port = await ready.first(where: { _ in true }), port > 0 {
                do { result = .success(try await test(CapstanTestClient(port: port), directory)) } catch { result = .failure(error) }
            } else {
                result = .failure(Failure.didNotListen)
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return try result.get()
        }
    }
}

/// The in-process daemon's HTTP, as the tests speak it.
struct CapstanTestClient: Sendable {
    let port: Int?
    let http: HTTPTestClient

    init(port: Int) {
        self.port = port
        http = HTTPTestClient(host: "127.0.0.1", port: port)
    }

    /// A request with a text body and optional Content-Type.
    func send(_ method: HTTPRequest.Method, _ uri: String, body: String? = nil, contentType: String? = nil,
              headers: [String: String] = [:]) async throws -> TestResponse {
        var fields: [(String, String)] = contentType.map { [("Content-Type", $0)] } ?? []
        fields += headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let raw = try await http.send(method.rawValue, uri, headers: fields, body: body.map { Array($0.utf8) })
        var responseFields = HTTPFields()
        for (name, value) in raw.headers {
            if let name = HTTPField.Name(name) { responseFields.append(HTTPField(name: name, value: value)) }
        }
        return TestResponse(status: HTTPResponse.Status(code: raw.status), headers: responseFields,
                            body: ByteBuffer(bytes: raw.body))
    }
}

struct TestResponse: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: ByteBuffer

    var text: String { String(buffer: body) }
    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}

/// SDP offers captured from real peers (Tests/SDPTests/Fixtures).
enum OfferFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("SDPTests/Fixtures")

    static func named(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }
}
