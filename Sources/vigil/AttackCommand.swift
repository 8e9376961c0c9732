// `vigil attack …`: the ATT&CK knowledge base.
import ArgumentParser
import VigilAttack
import VigilCore

struct AttackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attack", abstract: "Query the MITRE ATT&CK knowledge base.",
        discussion: """
            ATT&CK comes from --attack FILE|DIR, else $VIGIL_ATTACK, else the newest bundle of the domain that \
            `vigil attack import` or `vigil attack update` installed in Vigil's data folder ($XDG_DATA_HOME/vigil/attack, \
            default ~/.local/share/vigil/attack), else the compact index built into Vigil (ATT&CK v18.1, no descriptions). \
            Every subcommand takes --format table|json (--json is the same as --format json) and exits 0 on success, \
            1 on findings (changes between releases, IDs that resolve nowhere), 2 on bad input or usage.
            """,
        subcommands: [
            AttackInfoCommand.self, AttackShowCommand.self, AttackSearchCommand.self, AttackDiffCommand.self,
            AttackImportCommand.self, AttackUpdateCommand.self, AttackCrosswalkCommand.self, AttackBuildIndexCommand.self,
        ])
}

/// Where ATT&CK comes from, shared by every command that needs it.
struct AttackOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A STIX bundle (.json or .json.gz) or a folder of bundles.", valueName: "file|dir"))
    var attack: String?

    @Option(name: .long, help: "Domain: enterprise, mobile or ics (default: enterprise, or the bundle's own).")
    var domain: String?

    @Option(name: .long, help: ArgumentHelp("A crosswalk YAML file replacing Vigil's built-in one.", valueName: "file"))
    var crosswalk: String?

    func parsedDomain() throws -> Domain? {
        guard let domain else { return nil }
        guard let d = Domain(lenient: domain) else { throw ValidationError("unknown domain \"\(domain)\": use enterprise, mobile or ics") }
        return d
    }

    /// Loads the knowledge base; unusable input prints the diagnostic and exits 2.
    func load() throws -> KnowledgeBase {
        do {
            let (kb, warnings) = try AttackSource.load(path: attack, domain: try parsedDomain())
            Output.report(warnings + kb.diagnostics)
            return kb
        } catch let error as Diagnostic {
            Output.report([error])
            throw ExitCode.badInput
        }
    }

    func loadCrosswalk() throws -> Crosswalk {
        guard let crosswalk else {
            let user = AttackSource.dataFolder() + "/crosswalk.yaml"
            if FileBytes.exists(user) { return try loadCrosswalk(user) }
            return .builtIn()
        }
        return try loadCrosswalk(crosswalk)
    }

    private func loadCrosswalk(_ path: String) throws -> Crosswalk {
        do { return try Crosswalk.load(path: path) } catch {
            Output.report([error])
            throw ExitCode.badInput
        }
    }

    /// After `import` or `update` installed the bundle at `path`: whether commands will use it. For the table
    /// format, says what was installed and, when a newer installed bundle of the domain stays in use, names it.
    static func installed(_ path: String, domain: Domain, version: String, size: String, table: Bool) -> Bool {
        let current = AttackSource.inUse(domain)
        if table {
            print("installed ATT&CK \(domain.title) \(version) (\(size)) → \(path)")
            if let current, current.path != path {
                print("note: \(current.path) (ATT&CK \(current.domain.title) \(current.version)) is newer and stays in use")
            }
        }
        return current?.path == path
    }
}
