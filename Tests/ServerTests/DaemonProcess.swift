import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import CapstanTestSupport
import DTLS
import NIOPosix
import SamplePeer
import SDP

/// A `capstan serve` child process on 127.0.0.1 with free ports, its
/// stderr captured. The binary is the one `swift build` put next to the
/// test bundle.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    let directory: URL
    private let output = Pipe()
    private let lock = NSLock()
    private var captured = ""
    private(set) var httpBase: URL!
    private(set) var mediaAddress = ""

    static var binary: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/capstan")
    }

    /// - Parameter launcher: a command line to run the daemon through
    ///   (`ip netns exec NAME`: inside a test's network namespace).
    init(arguments: [String] = [], environment: [String: String] = [:], launcher: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-daemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let serve = ["serve", "--http", "127.0.0.1:0", "--media", "127.0.0.1:0",
                     "--recordings", directory.appendingPathComponent("recordings").path] + arguments
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(launcher.dropFirst()) + [Self.binary.path] + serve
        } else {
            process.executableURL = Self.binary
            process.arguments = serve
        }
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CAPSTAN_") }
        env.merge(environment) { $1 }
        process.environment = env
        process.standardError = output
        process.standardOutput = output
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.captured += String(decoding: data, as: UTF8.self) }
        }
    }

    var log: String { lock.withLock { captured } }

    /// Starts and waits (bounded) for the "capstan serving" line.
    /// The limit is generous: under a parallel test run on two cores a
    /// process start has taken over 90 s.
    func start(timeout: Duration = .seconds(180)) async throws {
        try process.run()
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if let line = log.split(separator: "\n").first(where: { $0.contains("capstan serving") }),
               let http = Self.value(of: "http", in: line), let media = Self.value(of: "media", in: line) {
                httpBase = URL(string: "http://\(http)")!
                mediaAddress = media
                return
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw DaemonError.didNotStart(log)
    }

    /// Waits (bounded) for the process to exit; nil if it did not.
    func waitForExit(timeout: Duration) async -> Int32? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if !process.isRunning { return process.terminationStatus }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        try? FileManager.default.removeItem(at: directory)
    }

    private static func value(of key: String, in line: Substring) -> String? {
        guard let range = line.range(of: "\(key)=") else { return nil }
        return String(line[range.upperBound...].prefix { !$0.isWhitespace })
    }

    /// One HTTP request to the daemon.
    func request(_ method: String, _ path: String, body: String? = nil, contentType: String? = nil,
                 headers: [String: String] = [:]) async throws -> (status: Int, body: String, headers: [String: String]) {
        var request = URLRequest(url: URL(string: path, relativeTo: httpBase)!)
        request.httpMethod = method
        if let body { request.httpBody = Data(body.utf8) }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields[String(describing: name).lowercased()] = String(describing: value) }
        return (http.statusCode, String(decoding: data, as: UTF8.self), fields)
    }
}

enum DaemonError: Error { case didNotStart(String) }

extension DaemonProcess {
    /// Where this daemon writes its recordings.
    var recordingsPath: String { directory.appendingPathComponent("recordings").path }

    /// The RTP packets the daemon has taken in for session `id` so far (0 once it is gone).
    func rtpPacketsIn(_ id: String) async throws -> Int {
        let body = try await request("GET", "/api/sessions/\(id)").body
        let summary = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
        return (summary["stats"] as? [String: Any])?["rtpPacketsIn"] as? Int ?? 0
    }

    /// Waits (bounded) until session `id` has taken in `count` more RTP
    /// packets than now: media still flows, and whatever reached the daemon's
    /// one UDP socket before them has been handled.
    func waitForMorePackets(_ id: String, _ count: Int, timeout: Duration = .seconds(30)) async throws -> Bool {
        let start = try await rtpPacketsIn(id)
        return try await eventually(timeout: timeout, interval: .milliseconds(50)) {
            try await rtpPacketsIn(id) >= start + count
        }
    }

    /// Connects one WHIP publisher on Capstan's own stack to this daemon;
    /// returns it with its session id.
    func connectPublisher(certificate: DTLSCertificate, video: Bool = true, videoCodec: SupportedCodec = .vp8)
        async throws -> (peer: PublisherSession, id: String)
    {
        let whip = WHIPClient(endpoint: httpBase.appendingPathComponent("whip"))
        let peer = try await PublisherSession.connect(whip: whip, certificate: certificate,
                                                      group: MultiThreadedEventLoopGroup.singleton, video: video,
                                                      videoCodec: videoCodec)
        return (peer, peer.resource.lastPathComponent)
    }
}

extension DaemonProcess {
    var isRunning: Bool { process.isRunning }

    /// User + system CPU time the daemon used so far (/proc/PID/stat), in seconds.
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3; utime and stime are fields 14 and 15.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
