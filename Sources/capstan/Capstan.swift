import ArgumentParser

@main
struct Capstan: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "capstan",
        abstract: "Headless WebRTC media bridge and recorder.",
        version: version,
        subcommands: [ServeCommand.self, InspectCommand.self, RepairCommand.self, PeerCommand.self]
    )
}
