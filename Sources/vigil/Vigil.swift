// The `vigil` command: subcommands live one per file and stay thin (arguments in, text out).
import ArgumentParser
import VigilCore

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    @preconcurrency import Darwin
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
    /// Output that could not be written (a full disk, an I/O error) is an error too, never a silent exit 0.
    static func main() {
        do {
            // `vigil hunt plan …`: hunt's own positional logs would take `plan` for a log folder, so it is routed here.
            let arguments = Array(CommandLine.arguments.dropFirst())
            var command: any ParsableCommand =
                arguments.starts(with: ["hunt", "plan"])
                ? try HuntPlanCommand.parseAsRoot(Array(arguments.dropFirst(2))) : try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                Output.error(fullMessage(for: error))
                StandardStreams.exit(ExitCode.badInput.rawValue)
            }
            StandardStreams.checkOutput()
            exit(withError: error)
        }
        StandardStreams.exit(0)
    }
}

/// Standard output's health: every write to it is checked, and a failed one ends the run with exit 2.
enum StandardStreams {
    nonisolated(unsafe) private static var failure: Int32?

    /// Records a failed write to standard output (`errno`); the first one is reported at exit.
    static func failed(_ code: Int32) {
        if failure == nil { failure = code }
    }

    /// Flushes what `print` buffered and, when any write failed, reports it and exits 2. A closed pipe
    /// (`vigil … | head`) is not an error.
    static func checkOutput() {
        if fflush(stdout) != 0 || ferror(stdout) != 0 { failed(errno) }
        guard let failure, failure != EPIPE else { return }
        Output.error("writing standard output failed: \(WriteAll.message(failure))")
        exitProcess(ExitCode.badInput.rawValue)
    }

    static func exit(_ code: Int32) -> Never {
        checkOutput()
        exitProcess(code)
    }
}

/// The C library's `exit`, which `StandardStreams.exit` hides.
private func exitProcess(_ code: Int32) -> Never { exit(code) }

extension ExitCode {
    static let findings = ExitCode(1)
    static let badInput = ExitCode(2)
}
