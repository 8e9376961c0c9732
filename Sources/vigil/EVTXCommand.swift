// `vigil evtx …`: read Windows event logs natively. (Being built.)
import ArgumentParser

struct EVTXCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evtx", abstract: "Read Windows .evtx event logs.")
}
