// `vigil hunt`: run Sigma rules over logs. (Being built.)
import ArgumentParser

struct HuntCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hunt", abstract: "Run Sigma rules over event logs (EVTX, JSON).")
}
