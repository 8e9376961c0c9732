// `vigil rules update`: install SigmaHQ's latest release rule package as the default rule set, and say what changed.
import ArgumentParser
import VigilAttack
import VigilCore
import VigilCoverage

struct RulesUpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Download SigmaHQ's latest release rule package, check it and install it as the default rule set.",
        discussion: """
            Fetches <base-url>/<package file> (sigma_all_rules.zip for --package all; sigma_core.zip, \
            sigma_core+.zip, sigma_core++.zip, sigma_emerging_threats_addon.zip), from SigmaHQ's GitHub \
            releases or a mirror with the same files, and checks it: a ZIP whose every entry has a safe \
            name and a matching CRC, <file>.sha256 when the mirror publishes one, and rules that load. It \
            is then installed in one step as <data>/rules/sigma, which hunt, timeline and coverage use \
            when given no --rules. The rules added, removed and modified since the last update are listed \
            by rule id (by path for a file without an id).

            Examples:
              vigil rules update
              vigil rules update --package core --json
              vigil rules update --base-url https://mirror.example/sigma/r2025-01-01

            Exit status: 0 installed or already up to date, 2 download, checksum, archive or usage error.
            """)

    @Option(help: "Base URL of SigmaHQ's release assets, or of a mirror with the same file names.")
    var baseURL = RulePackages.defaultBaseURL

    @Option(help: "Rule package: core, core+, core++, emerging-threats or all.")
    var package = "all"

    @Option(help: "Vigil's data folder (default $XDG_DATA_HOME/vigil, else ~/.local/share/vigil).")
    var data: String?

    @Option(help: "Seconds to wait for the download.")
    var timeout: Double = 120

    @Option(help: "Output format: table or json.")
    var format: OutputFormat?

    @Flag(help: "Same as --format json.")
    var json = false

    /// Rules listed per kind of change in the table; JSON lists them all.
    static let listed = 25

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        guard let package = RulePackages.Package(rawValue: package.lowercased()) else {
            throw ValidationError("unknown package '\(package)': use core, core+, core++, emerging-threats or all")
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be more than 0 seconds") }
        let report: RulePackages.Report
        do {
            report = try RulePackages.update(
                baseURL: baseURL, package: package, data: data ?? AttackSource.dataFolder(), timeout: timeout)
        } catch {
            Output.report([error])
            Output.error("rules not updated; the installed set, if any, is unchanged")
            throw ExitCode.badInput
        }
        if format == .json {
            Output.printJSON(report)
            return
        }
        print(report.installed ? "installed \(report.source)" : "up to date: \(report.source) holds the rules already installed")
        print("  sha256 \(report.sha256) (checksum file: \(report.checksum))")
        print("  → \(report.folder)")
        var counts = "files: \(report.files)  rules: \(report.rules)  rejected: \(report.rejected)"
        if report.rejected > 0 { counts += " (vigil rules check \(report.folder) lists them)" }
        print(counts)
        print(
            "added: \(report.added.count)  removed: \(report.removed.count)  modified: \(report.modified.count)  unchanged: \(report.unchanged)"
        )
        // A first install adds everything: the count says enough.
        guard report.removed.count + report.modified.count + report.unchanged > 0 else { return }
        for (mark, rules) in [("+", report.added), ("-", report.removed), ("~", report.modified)] {
            for rule in rules.prefix(Self.listed) {
                let moved = rule.previousPath.map { " (moved from \($0))" } ?? ""
                print("  \(mark) \(rule.key)  \(rule.title)  \(rule.path)\(moved)")
            }
            if rules.count > Self.listed { print("  \(mark) … \(rules.count - Self.listed) more (--json lists all)") }
        }
    }
}
