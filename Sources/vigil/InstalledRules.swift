// The rule set `vigil rules update` installed: what hunt, timeline and coverage run when given no --rules.
import ArgumentParser
import VigilCore
import VigilCoverage

enum InstalledRules {
    /// The installed rule folder (`<data>/rules/sigma`), or nothing when none is installed.
    static func defaultPaths() -> [String] { RulePackages.installed().map { [$0] } ?? [] }

    /// `given`, or the installed rules when none are given (said on standard error).
    static func orDefault(_ given: [String]) -> [String] {
        guard given.isEmpty else { return given }
        let paths = defaultPaths()
        for path in paths { _ = WriteAll.text("vigil: using the rules installed in \(path) (vigil rules update)\n", to: 2) }
        return paths
    }

    /// Like `orDefault`, but no rules at all is bad input (exit 2), with a message saying how to get some.
    static func required(_ given: [String]) throws -> [String] {
        let paths = orDefault(given)
        guard !paths.isEmpty else {
            Output.error("no rules: give --rules PATH, or install SigmaHQ's release rules with `vigil rules update`")
            throw ExitCode.badInput
        }
        return paths
    }
}
