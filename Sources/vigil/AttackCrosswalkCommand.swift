// `vigil attack crosswalk`: print the version crosswalk, or resolve IDs through it.
import ArgumentParser
import VigilAttack

struct AttackCrosswalkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosswalk", abstract: "Resolve technique IDs of any ATT&CK version, or print the built-in crosswalk.",
        discussion: """
            With IDs: resolves each onto the loaded ATT&CK through the crosswalk in use (--crosswalk FILE, else \
            $XDG_DATA_HOME/vigil/crosswalk.yaml, else the built-in one); exit 1 when any stays unresolved. Without IDs: \
            prints the built-in crosswalk, as YAML to copy to $XDG_DATA_HOME/vigil/crosswalk.yaml and edit, or as JSON \
            with --format json.
            """)

    @OptionGroup var source: AttackOptions
    @Argument(help: "Technique IDs to resolve.") var ids: [String] = []
    @Option(help: "Output format: table or json.") var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        guard !ids.isEmpty else {
            if format == .json { Output.printJSON(Crosswalk.builtIn()) } else { print(Crosswalk.builtInYAML) }
            return
        }
        let kb = try source.load()
        let crosswalk = try source.loadCrosswalk()
        let results = ids.map { kb.resolveTechnique($0, crosswalk: crosswalk) }
        if format == .json {
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
