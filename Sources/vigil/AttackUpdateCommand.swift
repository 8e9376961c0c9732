// `vigil attack update`: download the latest ATT&CK release from MITRE when online.
import ArgumentParser
import VigilAttack

struct AttackUpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Download the latest ATT&CK bundles from MITRE's attack-stix-data repository and install them.")

    @Option(help: "Base URL of a repository with attack-stix-data's layout (a mirror, for air-gapped networks).")
    var baseURL = AttackUpdate.defaultBaseURL
    @Option(help: "Domains to fetch (enterprise, mobile, ics).") var domain: [String] = ["enterprise", "mobile", "ics"]
    @Option(help: "Seconds to wait for each download.") var timeout: Double = 120

    func run() throws {
        var domains: [Domain] = []
        for d in domain {
            guard let parsed = Domain(lenient: d) else { throw ValidationError("unknown domain \"\(d)\"") }
            domains.append(parsed)
        }
        let result = AttackUpdate.run(baseURL: baseURL, domains: domains, timeout: timeout)
        for i in result.installed { print("installed ATT&CK \(i.domain.title) \(i.version) (\(i.bytes) bytes) → \(i.path)") }
        Output.report(result.failures)
        if result.installed.isEmpty { throw ExitCode.badInput }
        if !result.failures.isEmpty { throw ExitCode.findings }
    }
}
