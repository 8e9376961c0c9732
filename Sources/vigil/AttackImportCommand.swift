// `vigil attack import FILE`: install a bundle into Vigil's data folder (for air-gapped SOCs).
import ArgumentParser
import VigilAttack
import VigilCore

struct AttackImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Validate a STIX bundle and install it into Vigil's data folder.")

    @Argument(help: "STIX bundle files (.json or .json.gz).") var files: [String]
    @Flag(help: "Machine-readable output.") var json = false

    func run() throws {
        var failed = false
        struct Row: Encodable {
            var file: String
            var installed: String?
            var domain: String?
            var version: String?
            var techniques: Int?
            var error: String?
        }
        var rows: [Row] = []
        for file in files {
            do {
                let result = try AttackSource.importBundle(file)
                rows.append(
                    Row(
                        file: file, installed: result.path, domain: result.info.domain.rawValue, version: result.info.version,
                        techniques: result.counts.techniques))
                if !json {
                    print(
                        "installed ATT&CK \(result.info.domain.title) \(result.info.version) (\(result.counts.techniques) techniques) → \(result.path)"
                    )
                }
            } catch {
                failed = true
                rows.append(Row(file: file, error: error.description))
                Output.report([error])
            }
        }
        if json { Output.printJSON(rows) }
        if failed { throw ExitCode.badInput }
    }
}
