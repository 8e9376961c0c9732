// `vigil attack crosswalk`: print the version crosswalk, or resolve IDs through it.
import ArgumentParser
import VigilAttack

struct AttackCrosswalkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosswalk", abstract: "Resolve technique IDs of any ATT&CK version, or print the built-in crosswalk.",
        discussion: """
            With IDs: resolves each onto the loaded ATT&CK (exit 1 when any stays unresolved). Without: prints the \
            built-in crosswalk YAML, to copy to $XDG_DATA_HOME/vigil/crosswalk.yaml and edit.
            """)

    @OptionGroup var source: AttackOptions
    @Argument(help: "Technique IDs to resolve.") var ids: [String] = []
    @Flag(help: "Machine-readable output.") var json = false

    func run() throws {
        guard !ids.isEmpty else {
            print(Crosswalk.builtInYAML)
            return
        }
        let kb = try source.load()
        let crosswalk = try source.loadCrosswalk()
        let results = ids.map { kb.resolveTechnique($0, crosswalk: crosswalk) }
        if json {
            struct Row: Encodable {
                var input: String
                var resolved: String?
                var outcome: String
                var note: String
            }
            Output.printJSON(results.map { Row(input: $0.input, resolved: $0.resolvedID, outcome: "\($0.outcome)", note: $0.note) })
        } else {
            print(
                Output.table(["ID", "ON \(kb.info.version)", "HOW"], results.map { [$0.input, $0.resolvedID ?? "—", $0.note] }),
                terminator: "")
        }
        if results.contains(where: { !$0.isResolved }) { throw ExitCode.findings }
    }
}
