// `vigil attack show ID|NAME`: everything ATT&CK says about one technique, group, software, …
import ArgumentParser
import VigilAttack

struct AttackShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a technique, tactic, group, software, campaign, mitigation or data component.",
        discussion: """
            Accepts an ATT&CK ID of any version (T1086 follows revoked-by to T1059.001; v19 IDs such as T1685 \
            resolve through the crosswalk), a name, or an alias (e.g. "Cozy Bear").
            """)

    @OptionGroup var source: AttackOptions
    @Argument(help: "ATT&CK ID, name or alias.") var query: [String]
    @Option(help: "Output format: table or json.") var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false
    @Flag(help: "Include the description (needs a full bundle).") var description = false

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        let kb = try source.load()
        let text = query.joined(separator: " ")
        let found = kb.lookup(text, crosswalk: try source.loadCrosswalk())
        guard let index = found.index else {
            if format == .json {
                Output.printJSON(["query": text, "error": found.notes.first ?? "not found"])
            } else {
                Output.error(found.notes.first ?? "\(text): no ATT&CK object with this ID, name or alias")
                if !found.suggestions.isEmpty {
                    print("Did you mean:")
                    for hit in found.suggestions { print("  \(hit.ref.id)  \(hit.ref.name)  (\(hit.ref.kind))") }
                }
            }
            throw ExitCode.badInput
        }
        let d = kb.detail(of: index)
        if format == .json {
            struct Shown: Encodable {
                var query: String
                var notes: [String]
                var object: ObjectDetail
            }
            Output.printJSON(Shown(query: text, notes: found.notes, object: d))
            return
        }
        for note in found.notes { print("note: \(note)") }
        print("\(d.id)  \(d.name)  [\(d.kind)]" + (d.revoked ? "  REVOKED" : "") + (d.deprecated ? "  DEPRECATED" : ""))
        func line(_ label: String, _ value: String) {
            guard !value.isEmpty else { return }
            print(label.padding(toLength: 16, withPad: " ", startingAt: 0) + value)
        }
        func block(_ label: String, _ items: [ObjectRef]) {
            guard !items.isEmpty else { return }
            print("\(label) (\(items.count)):")
            for item in items {
                print("  \(item.id)  \(item.name)" + (item.kind == "sub-technique" || item.kind == "technique" ? "" : "  [\(item.kind)]"))
            }
        }
        if let r = d.replacedBy { line("replaced by", "\(r.id) \(r.name)") }
        line("url", d.url ?? "")
        line("aliases", d.aliases.joined(separator: ", "))
        line("tactics", d.tactics.joined(separator: ", "))
        line("platforms", d.platforms.joined(separator: ", "))
        if let p = d.parent { line("parent", "\(p.id) \(p.name)") }
        block("sub-techniques", d.subtechniques)
        block("data components", d.dataComponents)
        if !d.detectionStrategies.isEmpty {
            print("detection strategies (\(d.detectionStrategies.count)):")
            for s in d.detectionStrategies {
                print("  \(s.strategy.id)  \(s.strategy.name)")
                for a in s.analytics {
                    print("    \(a.id) [\(a.platforms.joined(separator: ", "))]")
                    for l in a.logSources {
                        print("      \(l.name): \(l.channel)" + (l.dataComponent.map { "  (\($0.id) \($0.name))" } ?? ""))
                    }
                }
            }
        }
        if d.detectionStrategies.isEmpty, !d.logSources.isEmpty {
            print("log sources (\(d.logSources.count)):")
            for l in d.logSources { print("  \(l.name): \(l.channel)") }
        }
        block("techniques", d.techniques)
        block(
            "used by groups", d.kind == "technique" || d.kind == "sub-technique" || d.kind == "malware" || d.kind == "tool" ? d.groups : [])
        block(d.kind == "campaign" ? "attributed to" : "groups", d.kind == "campaign" ? d.groups : [])
        block("software", d.software)
        block("campaigns", d.campaigns)
        block("mitigations", d.mitigations)
        block("targeted assets", d.assets)
        if description, let text = d.description { print("\n" + text) }
    }
}
