// The `vigil` command: subcommands live one per file and stay thin (arguments in, text out).
import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

@main
struct Vigil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Threat hunting and detection engineering around MITRE ATT&CK.",
        discussion: """
            Exit codes: 0 success, 1 findings (detections, rejected rules, missed gates), 2 bad input or usage.
            Every command takes --json for machine-readable output.
            """,
        subcommands: [
            AttackCommand.self, CoverageCommand.self, RulesCommand.self, HuntCommand.self, EVTXCommand.self, HistoryCommand.self,
            MetricsCommand.self, StackCommand.self, SearchCommand.self, TimelineCommand.self, IOCCommand.self, ConvertCommand.self,
            ExportCommand.self,
            ServeCommand.self,
        ])

    /// ArgumentParser exits 64 on usage errors; Vigil promises 2 for bad input and usage alike.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                Output.error(fullMessage(for: error))
                Glibc.exit(ExitCode.badInput.rawValue)
            }
            exit(withError: error)
        }
    }
}

extension ExitCode {
    static let findings = ExitCode(1)
    static let badInput = ExitCode(2)
}
