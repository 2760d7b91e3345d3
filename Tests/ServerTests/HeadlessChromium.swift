import CapstanTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Debian's Chromium, headless with fake camera and microphone, driven over
/// the DevTools protocol (Runtime.evaluate) through MiniWebSocket.
final class HeadlessChromium: @unchecked Sendable {
    static let binary = "/usr/bin/chromium"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    let process = Process()
    let port = Int.random(in: 30_000...45_000)
    private let profile = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-chromium-\(UUID().uuidString)")

    /// The DevTools connection is made from the namespace Chromium runs in.
    private let namespace: NetworkNamespace?

    /// - Parameter namespace: run Chromium inside it (`ip netns exec`).
    init(url: String, namespace: NetworkNamespace? = nil) throws {
        self.namespace = namespace
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let launcher = namespace?.launcher ?? []
        process.executableURL = URL(fileURLWithPath: launcher.first ?? Self.binary)
        process.arguments = Array(launcher.dropFirst()) + (launcher.isEmpty ? [] : [Self.binary]) + [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--mute-audio",
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=\(port)",
            "--user-data-dir=\(profile.path)", url,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// The page target's DevTools connection, once it exists (bounded wait).
    func page(timeout: Duration = .seconds(60)) async throws -> DevToolsPage {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var last = "nothing fetched"
        while clock.now < deadline {
            do {
                // Chrome's DevTools HTTP answers trip libcurl (URLSession): plain socket.
                let port = self.port
                let data = try await inNamespace { try Self.get(port: port, path: "/json/list") }
                let targets = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
                if let target = targets.first(where: { $0["type"] as? String == "page" }),
                   let ws = target["webSocketDebuggerUrl"] as? String, let url = URL(string: ws) {
                    let path = url.path
                    return try await inNamespace { try DevToolsPage(port: port, path: path) }
                }
                last = "no page target among \(targets.count)"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ChromiumError.noPage("\(last); chromium running: \(process.isRunning)")
    }

    /// Runs `body` here, or on a thread inside Chromium's namespace.
    private func inNamespace<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        guard let namespace else { return try body() }
        return try await namespace.onThread(body)
    }

    /// A one-shot HTTP/1.1 GET on 127.0.0.1; the body.
    static func get(port: Int, path: String) throws -> Data {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ChromiumError.noResponse("connect \(errno)") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got <= 0 { break }
            response += buffer[0..<got]
        }
        guard let split = response.firstRange(of: [13, 10, 13, 10]) else { throw ChromiumError.noResponse(path) }
        return Data(response[split.upperBound...])
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: profile)
    }
}

enum ChromiumError: Error { case noPage(String), noResponse(String), exception(String) }

/// One page: evaluate JavaScript and get its (JSON) value back.
extension HeadlessChromium {
    /// `capstan serve` with `arguments` and the sample pages, and a headless Chromium page on
    /// its `/samples/`: the set-up of a browser test, stopped and closed after `body`.
    static func withSamplesPage(arguments: [String] = ["--token", "tok"], environment: [String: String] = [:],
                                _ body: (DaemonProcess, DevToolsPage) async throws -> Void) async throws {
        let daemon = try DaemonProcess(arguments: arguments,
                                       environment: environment.merging(["CAPSTAN_SAMPLES": BrowserSampleTests.samples]) { own, _ in own })
        defer { daemon.stop() }
        try await daemon.start()
        let browser = try HeadlessChromium(url: daemon.httpBase.appendingPathComponent("samples/").absoluteString)
        defer { browser.stop() }
        let page = try await browser.page()
        defer { page.close() }
        try await body(daemon, page)
    }
}

final class DevToolsPage: @unchecked Sendable {
    private var socket: MiniWebSocket!
    private let lock = NSLock()
    private var responses: [Int: [String: Any]] = [:]
    private var nextID = 0

    init(port: Int, path: String) throws {
        socket = try MiniWebSocket(host: "127.0.0.1", port: port, path: path) { [weak self] text in
            guard let self, let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let id = object["id"] as? Int else { return }
            self.lock.withLock { self.responses[id] = object }
        }
    }

    /// Evaluates `expression` (awaiting a promise) and returns its value.
    func evaluate(_ expression: String, timeout: Duration = .seconds(30)) async throws -> Any? {
        let id = lock.withLock { nextID += 1; return nextID }
        let message: [String: Any] = ["id": id, "method": "Runtime.evaluate",
                                      "params": ["expression": expression, "awaitPromise": true, "returnByValue": true]]
        try socket.sendText(String(decoding: try JSONSerialization.data(withJSONObject: message), as: UTF8.self))
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if let response = lock.withLock({ responses.removeValue(forKey: id) }) {
                let result = response["result"] as? [String: Any]
                if let exception = result?["exceptionDetails"] as? [String: Any] {
                    throw ChromiumError.exception("\(exception)")
                }
                return (result?["result"] as? [String: Any])?["value"]
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ChromiumError.noResponse(expression)
    }

    /// Polls `expression` until it is true (bounded).
    func waitFor(_ expression: String, timeout: Duration = .seconds(30)) async throws -> Bool {
        try await eventually(timeout: timeout, interval: .milliseconds(200)) { try await evaluate(expression) as? Bool == true }
    }

    func close() { socket.close() }
}

extension DevToolsPage {
    struct PublishFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Waits for the page to load, defines `script` (a page script that publishes, as
    /// `HeadlessChromium.whipPost` + …), runs `call` (which publishes and resolves to the
    /// WHIP resource) and returns the session id the resource ends with.
    /// `context` is added to a failure (a log of the peer in the way, say).
    func publish(defining script: String, call: String,
                 context: @autoclosure () -> String = "") async throws -> String {
        guard try await waitFor("document.readyState === 'complete'") else {
            throw PublishFailure(description: "the page did not load. \(context())")
        }
        _ = try await evaluate(script)
        guard let resource = try await evaluate(call, timeout: .seconds(30)) as? String,
              let id = resource.split(separator: "/").last.map(String.init) else {
            throw PublishFailure(description: "\(call) gave no WHIP resource. \(context())")
        }
        return id
    }
}

extension HeadlessChromium {
    /// Page script defining `window.whipPost(pc, gatherMs)`: the offer, ICE gathering
    /// (complete, or `gatherMs` at most), `POST /whip` with the test token, the answer
    /// applied. Resolves to `{ resource, answer }`; throws with the status and body
    /// unless 201. Prepend it to a page script that publishes.
    static let whipPost = """
        window.whipPost = async (pc, gatherMs = 3000) => {
          await pc.setLocalDescription(await pc.createOffer());
          await new Promise(ok => {
            if (pc.iceGatheringState === 'complete') return ok();
            pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') ok(); };
            setTimeout(ok, gatherMs);
          });
          const r = await fetch('/whip', { method: 'POST', body: pc.localDescription.sdp,
            headers: { 'Content-Type': 'application/sdp', Authorization: 'Bearer tok' } });
          if (r.status !== 201) throw new Error('WHIP ' + r.status + ' ' + (await r.text()));
          const resource = r.headers.get('Location');
          const answer = await r.text();
          await pc.setRemoteDescription({ type: 'answer', sdp: answer });
          return { resource, answer };
        };

        """
}
