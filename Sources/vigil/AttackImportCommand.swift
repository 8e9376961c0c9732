// `vigil attack import FILE`: install a bundle into Vigil's data folder (for air-gapped SOCs).
import ArgumentParser
import VigilAttack
import VigilCore

struct AttackImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Validate STIX bundles and install them into Vigil's data folder.",
        discussion: """
            Each bundle is loaded in full, then copied to $XDG_DATA_HOME/vigil/attack (default ~/.local/share/vigil/attack) \
            as <domain>-<version>.json, or .json.gz when it is gzip, replacing an installed bundle of the same domain and \
            version. Commands without --attack then use the newest installed bundle of each domain; a note says when \
            an older one was installed. Exit 0 when every bundle installed, 2 when any could not be.
            """)

    @Argument(help: "STIX bundle files (.json or .json.gz).") var files: [String]
    @Option(help: "Output format: table or json.") var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false

    struct Row: Encodable {
        var file: String
        var installed: String?
        var domain: String?
        var version: String?
        var techniques: Int?
        /// False when a newer bundle of the domain stays in use.
        var inUse: Bool?
        var error: String?
    }

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        var rows: [Row] = []
        for file in files {
            do {
                let result = try AttackSource.importBundle(file)
                let inUse = AttackOptions.installed(
                    result.path, domain: result.info.domain, version: result.info.version,
                    size: counted(result.counts.techniques, "technique"), table: format == .table)
                rows.append(
                    Row(
                        file: file, installed: result.path, domain: result.info.domain.rawValue, version: result.info.version,
                        techniques: result.counts.techniques, inUse: inUse))
            } catch {
                rows.append(Row(file: file, error: error.description))
                Output.report([error])
            }
        }
        if format == .json { Output.printJSON(rows) }
        if rows.contains(where: { $0.error != nil }) { throw ExitCode.badInput }
    }
}
