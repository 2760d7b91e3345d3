import Foundation
import Testing

@Suite("the browser sample at /samples/", .serialized)
struct SamplesRouteTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples").path

    @Test("served without the token; the API it calls still needs it")
    func served() async throws {
        let daemon = try DaemonProcess(arguments: ["--token", "tok"], environment: ["CAPSTAN_SAMPLES": Self.samples])
        defer { daemon.stop() }
        try await daemon.start()
        let page = try await daemon.request("GET", "/samples/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.body.contains("Capstan — record your browser"))
        let script = try await daemon.request("GET", "/samples/capstan.js")
        #expect(script.status == 200)
        #expect(script.body.contains("/whip"))
        #expect(try await daemon.request("GET", "/samples/nope.html").status == 404)
        #expect(try await daemon.request("GET", "/api/sessions").status == 401)
    }
}
