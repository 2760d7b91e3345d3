import ArgumentParser

@main
struct Capstan: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "capstan",
        abstract: "Headless WebRTC media bridge and recorder.",
        version: version,
        subcommands: [InspectCommand.self, RepairCommand.self]
    )
}
