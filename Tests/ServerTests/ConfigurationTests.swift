import CapstanServer
import Foundation
import Testing

@Suite("configuration: defaults < file < CAPSTAN_* < flags, validated")
struct ConfigurationTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("the shipped config/capstan.json loads and validates")
    func shippedDefaults() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/capstan.json").path
        var configuration = CapstanConfiguration()
        try configuration.apply(file: path)
        try configuration.validate()
        #expect(configuration.http.port == 8080)
        #expect(configuration.mode == .record)
    }

    @Test("videoCodecs: all four by default, in order; any order of known ones; unknown ones named")
    func videoCodecs() throws {
        var configuration = CapstanConfiguration()
        #expect(configuration.videoCodecs.map(\.rawValue) == ["VP8", "VP9", "AV1", "H264"])
        try configuration.apply(file: try write(#"{"videoCodecs": ["AV1", "vp9"]}"#))
        #expect(configuration.videoCodecs.map(\.rawValue) == ["AV1", "VP9"])
        try configuration.apply(environment: ["CAPSTAN_VIDEO_CODECS": "H264,VP9"])
        #expect(configuration.videoCodecs.map(\.rawValue) == ["H264", "VP9"])
        #expect(throws: ServerError.self) { try configuration.set("videoCodecs", text: "HEVC") }
        do throws(ServerError) {
            try configuration.set("videoCodecs", text: "VP9,HEVC")
        } catch {
            #expect(error.description.contains("\"HEVC\" is not a video codec (implemented: VP8, VP9, AV1, H264)"), "\(error)")
        }
    }

    @Test("precedence: file over defaults, environment over file")
    func precedence() throws {
        var configuration = CapstanConfiguration()
        try configuration.apply(file: try write(#"{"maxSessions": 7, "mode": "loopback", "http": "[::1]:9000"}"#))
        #expect(configuration.maxSessions == 7 && configuration.mode == .loopback)
        #expect(configuration.http == .init(host: "::1", port: 9000))
        try configuration.apply(environment: ["CAPSTAN_MAX_SESSIONS": "9", "PATH": "/bin"])
        #expect(configuration.maxSessions == 9)
        try configuration.set("maxSessions", text: "11")
        #expect(configuration.maxSessions == 11)
    }

    @Test("every bad key or value is named", arguments: [
        (#"{"maxSesions": 3}"#, "unknown key \"maxSesions\""),
        (#"{"maxSessions": 0}"#, "maxSessions"),
        (#"{"maxSessions": 2.5}"#, "not a whole number"),
        (#"{"mode": "broadcast"}"#, "mode: \"broadcast\""),
        (#"{"http": "localhost"}"#, "http: \"localhost\" is not HOST:PORT"),
        (#"{"media": "127.0.0.1:70000"}"#, "port \"70000\""),
        (#"{"announce": "1.2.3.4"}"#, ""),
        (#"{"logLevel": "loud"}"#, "logLevel"),
        (#"[1, 2]"#, "not a JSON object"),
        (#"{"token": true}"#, "token"),
    ])
    func badValues(json: String, message: String) throws {
        var configuration = CapstanConfiguration()
        let path = try write(json)
        do throws(ServerError) {
            try configuration.apply(file: path)
            try configuration.validate()
            #expect(message.isEmpty, "accepted \(json)")
        } catch {
            #expect(!message.isEmpty, "rejected \(json): \(error)")
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test("unknown CAPSTAN_ variables and bad flag values stop capstan serve with the name")
    func daemonRefusesBadConfiguration() async throws {
        let daemon = try DaemonProcess(environment: ["CAPSTAN_MAX_SESION": "2"])
        defer { daemon.stop() }
        await #expect(throws: DaemonError.self) { try await daemon.start(timeout: .seconds(10)) }
        #expect(daemon.log.contains("CAPSTAN_MAX_SESION"))
        #expect(daemon.process.terminationStatus != 0)

        let flag = try DaemonProcess(arguments: ["--mode", "nope"])
        defer { flag.stop() }
        await #expect(throws: DaemonError.self) { try await flag.start(timeout: .seconds(10)) }
        #expect(flag.log.contains("mode: \"nope\""))
    }
}
