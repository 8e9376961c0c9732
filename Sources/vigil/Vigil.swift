// The `vigil` command: subcommands live one per file and stay thin.
import ArgumentParser

@main
struct Vigil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Threat hunting and detection engineering around MITRE ATT&CK.",
        subcommands: [AttackCommand.self, RulesCommand.self, HuntCommand.self, EVTXCommand.self])
}
