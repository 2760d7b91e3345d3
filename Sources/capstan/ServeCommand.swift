import ArgumentParser
import CapstanServer
import Foundation
import Logging

/// `capstan serve`: defaults < config file < CAPSTAN_* environment < flags.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon: WHIP and REST over HTTP, media on one UDP port.")

    @Option(help: "JSON configuration file (default: config/capstan.json when it exists).")
    var config: String?
    @Option(help: "HTTP listen address, HOST:PORT.") var http: String?
    @Option(help: "Media (UDP) listen address, HOST:PORT.") var media: String?
    @Option(help: "Address(es) to announce in ICE candidates, comma-separated.") var announce: String?
    @Option(help: "Directory for recordings.") var recordings: String?
    @Option(help: "record, loopback or record+loopback.") var mode: String?
    @Option(help: "Bearer token for both scopes (publish and admin); visible in ps: prefer --token-file.") var token: String?
    @Option(name: .customLong("token-file"),
            help: "File with the tokens: one line (both scopes) or JSON {token, publishToken, adminToken}.")
    var tokenFile: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical.") var logLevel: String?

    func run() async throws {
        var configuration = CapstanConfiguration()
        do {
            let path = config ?? (FileManager.default.fileExists(atPath: "config/capstan.json") ? "config/capstan.json" : nil)
            if let path { try configuration.apply(file: path) }
            try configuration.apply(environment: ProcessInfo.processInfo.environment)
            let flags: [(String, String?)] = [("http", http), ("media", media), ("announce", announce),
                                              ("recordings", recordings), ("mode", mode), ("token", token),
                                              ("tokenFile", tokenFile), ("logLevel", logLevel)]
            for (key, value) in flags { if let value { try configuration.set(key, text: value) } }
            try configuration.validate()
        } catch {
            throw ValidationError(error.description)
        }
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        try await CapstanDaemon.run(configuration: configuration, logger: Logger(label: "capstan"))
    }
}
