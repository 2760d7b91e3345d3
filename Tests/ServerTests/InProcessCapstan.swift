import CapstanServer
import CapstanTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// Capstan built by the same `buildApplication` the daemon runs, driven in
/// process: `.router` (no sockets for HTTP) or `.live` (a real listener on
/// 127.0.0.1, for what needs TCP: Host headers of our choosing, WebSockets,
/// idle connections, client addresses). The media port is always real.
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

    /// Builds, runs `test` against it, shuts it down (every session ends).
    static func run<Value: Sendable>(_ setup: TestingSetup = .router, options: ApplicationOptions = .init(),
                                     _ change: (inout CapstanConfiguration) throws -> Void = { _ in },
                                     _ test: @Sendable (any TestClientProtocol, TemporaryDirectory) async throws -> Value) async throws -> Value {
        let directory = try TemporaryDirectory(prefix: "capstan-inprocess")
        defer { directory.remove() }
        let configuration = try Self.configuration(in: directory, change)
        var logger = Logger(label: "capstan-test")
        logger.logLevel = .warning
        let app = try await buildApplication(configuration: configuration, logger: logger, options: options)
        return try await app.test(setup) { client in try await test(client, directory) }
    }
}

extension TestClientProtocol {
    /// A request with a text body and optional Content-Type.
    func send(_ method: HTTPRequest.Method, _ uri: String, body: String? = nil, contentType: String? = nil,
              headers: [String: String] = [:]) async throws -> TestResponse {
        var fields = HTTPFields()
        if let contentType { fields[.contentType] = contentType }
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        return try await executeRequest(uri: uri, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
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
