// `vigil rules …`: load and check detection rules. (Being built.)
import ArgumentParser

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules", abstract: "Load and check detection rules.")
}
