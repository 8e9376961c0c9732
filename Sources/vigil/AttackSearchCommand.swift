// `vigil attack search TEXT`: find objects by ID, name or alias.
import ArgumentParser
import VigilAttack

struct AttackSearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Search ATT&CK IDs, names and aliases.",
        discussion: """
            Exact matches come first, then prefixes, then substrings. Active objects only, unless --all. \
            Exit 0 whether or not anything matched ("no matches"; an empty list with --format json), 2 on bad input.
            """)

    @OptionGroup var source: AttackOptions
    @Argument(help: "Text to look for (case-insensitive).") var text: [String]
    @Option(help: "Only these kinds (technique, tactic, group, software, campaign, mitigation, data-component, …).") var kind: [String] = []
    @Flag(help: "Include revoked and deprecated objects.") var all = false
    @Option(help: "At most this many results.") var limit = 50
    @Option(help: "Output format: table or json.") var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        var kinds: Set<ObjectKind>? = nil
        if !kind.isEmpty {
            kinds = []
            for k in kind {
                guard let parsed = ObjectKind(rawValue: k.lowercased()) else {
                    throw ValidationError("unknown kind \"\(k)\": use " + ObjectKind.allCases.map(\.rawValue).joined(separator: ", "))
                }
                kinds!.insert(parsed)
            }
        }
        let kb = try source.load()
        let hits = kb.search(text.joined(separator: " "), kinds: kinds, includeInactive: all, limit: limit)
        if format == .json {
            Output.printJSON(hits)
        } else if hits.isEmpty {
            print("no matches")
        } else {
            print(
                Output.table(
                    ["ID", "NAME", "KIND", "MATCHED"],
                    hits.map {
                        [
                            $0.ref.id, $0.ref.name,
                            $0.ref.kind + ($0.ref.revoked == true ? " (revoked)" : $0.ref.deprecated == true ? " (deprecated)" : ""),
                            $0.matched,
                        ]
                    }), terminator: "")
        }
    }
}
