// `vigil attack …`: the ATT&CK knowledge base.
import ArgumentParser

struct AttackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "attack", abstract: "Query the MITRE ATT&CK knowledge base.")
}
