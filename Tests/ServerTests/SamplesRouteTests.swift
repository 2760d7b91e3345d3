import CapstanTestSupport
import Foundation
import Testing

@Suite("the browser sample at /samples/ (in process)")
struct SamplesRouteTests {
    @Test("served without the token; the API it calls still needs it")
    func served() async throws {
        try await InProcessCapstan.run({ $0.token = "tok" }) { client, _ in
            let page = try await client.send(.get, "/samples/")
            #expect(page.status == .ok)
            #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(page.text.contains("Capstan — record your browser"))
            let script = try await client.send(.get, "/samples/capstan.js")
            #expect(script.status == .ok)
            #expect(script.text.contains("/whip"))
            #expect(try await client.send(.get, "/samples/nope.html").status == .notFound)
            #expect(try await client.send(.get, "/api/sessions").status == .unauthorized)
        }
    }
}
