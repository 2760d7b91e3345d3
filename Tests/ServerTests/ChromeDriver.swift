import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Drives Debian's headless Chromium through chromedriver's W3C WebDriver
/// HTTP API: one browser session, navigate, run async scripts.
final class ChromeDriver: @unchecked Sendable {
    let process = Process()
    let port: Int
    private(set) var sessionID = ""

    static let chromium = "/usr/bin/chromium"
    static let driver = "/usr/bin/chromedriver"
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: chromium) && FileManager.default.isExecutableFile(atPath: driver)
    }

    init() throws {
        port = Int.random(in: 20_000...40_000)
        process.executableURL = URL(fileURLWithPath: Self.driver)
        process.arguments = ["--port=\(port)"]
        // Not a pipe nobody reads: a full pipe would block chromedriver.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Starts Chromium with fake camera and microphone (DESIGN.md §5 flags).
    func startBrowser() async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while clock.now < deadline {
            if (try? await call("GET", "/status")) != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": ["goog:chromeOptions": [
            "binary": Self.chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                     "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required"],
        ]]]]
        let response = try await call("POST", "/session", capabilities)
        guard let value = response["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            throw DriverError.failed("no session: \(response)")
        }
        sessionID = id
    }

    func navigate(_ url: URL) async throws {
        _ = try await call("POST", "/session/\(sessionID)/url", ["url": url.absoluteString])
    }

    /// Runs `script` (its last argument is the callback) and returns its result.
    func executeAsync(_ script: String, timeoutSeconds: Int = 30) async throws -> Any? {
        _ = try await call("POST", "/session/\(sessionID)/timeouts", ["script": timeoutSeconds * 1000])
        let response = try await call("POST", "/session/\(sessionID)/execute/async", ["script": script, "args": []])
        return response["value"]
    }

    func quit() async {
        if !sessionID.isEmpty { _ = try? await call("DELETE", "/session/\(sessionID)") }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    private func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 120
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, _) = try await URLSession.shared.data(for: request)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DriverError.failed(String(decoding: data, as: UTF8.self))
        }
        if let value = object["value"] as? [String: Any], let error = value["error"] as? String {
            throw DriverError.failed("\(error): \(value["message"] ?? "")")
        }
        return object
    }

    enum DriverError: Error { case failed(String) }
}
