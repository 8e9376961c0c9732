// `vigil attack update`: download the latest ATT&CK release from MITRE when online.
import ArgumentParser
import VigilAttack
import VigilCore

struct AttackUpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Download the latest ATT&CK bundles from MITRE's attack-stix-data repository and install them.",
        discussion: """
            Fetches <base-url>/<domain>-attack/<domain>-attack.json for each domain, loads it in full and installs it \
            like `vigil attack import` does, as <domain>-attack-<version>.json in $XDG_DATA_HOME/vigil/attack \
            (default ~/.local/share/vigil/attack). A domain that fails is reported and the others still install. \
            Exit 0 when every domain installed, 2 when any failed.
            """)

    @Option(help: "Base URL of a repository with attack-stix-data's layout (a mirror, for air-gapped networks).")
    var baseURL = AttackUpdate.defaultBaseURL
    @Option(help: "Domains to fetch (enterprise, mobile, ics).") var domain: [String] = ["enterprise", "mobile", "ics"]
    @Option(help: "Seconds to wait for each download.") var timeout: Double = 120
    @Option(help: "Output format: table or json.") var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false

    struct Installed: Encodable {
        var domain: String
        var version: String
        var installed: String
        var bytes: Int
        /// False when a newer bundle of the domain stays in use.
        var inUse: Bool
    }

    struct Report: Encodable {
        var installed: [Installed]
        var failures: [Diagnostic]
    }

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        var domains: [Domain] = []
        for d in domain {
            guard let parsed = Domain(lenient: d) else { throw ValidationError("unknown domain \"\(d)\": use enterprise, mobile or ics") }
            domains.append(parsed)
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be more than 0 seconds") }
        let result = AttackUpdate.run(baseURL: baseURL, domains: domains, timeout: timeout)
        var report = Report(installed: [], failures: result.failures)
        for i in result.installed {
            let inUse = AttackOptions.installed(
                i.path, domain: i.domain, version: i.version, size: counted(i.bytes, "byte"), table: format == .table)
            report.installed.append(
                Installed(domain: i.domain.rawValue, version: i.version, installed: i.path, bytes: i.bytes, inUse: inUse))
        }
        if format == .json { Output.printJSON(report) }
        Output.report(result.failures)
        if !result.failures.isEmpty { throw ExitCode.badInput }
    }
}
