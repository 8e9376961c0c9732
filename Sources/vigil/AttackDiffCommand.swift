// `vigil attack diff OLD NEW`: what changed between two ATT&CK releases.
import ArgumentParser
import VigilAttack
import VigilCore

struct AttackDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Compare two ATT&CK bundles: added, removed, revoked, deprecated, renamed, moved, platform changes.",
        discussion: """
            OLD and NEW are bundle files (.json or .json.gz) or `embedded`, the index built into Vigil. \
            Exit 0 when nothing changed, 1 when something did (so a pipeline can notice a new release), 2 on bad input.
            """)

    @Argument(help: "The older bundle (or `embedded`).") var old: String
    @Argument(help: "The newer bundle (or `embedded`).") var new: String
    @Option(help: "Domain of `embedded`: enterprise, mobile or ics (default: the other bundle's, else enterprise).")
    var domain: String?
    @Option(help: "Output format: table or json.") var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false

    /// A bundle, or nil for `embedded` (its domain is known only once both arguments are read).
    func load(_ path: String) throws -> KnowledgeBase? {
        guard path != "embedded" else { return nil }
        do { return try STIXLoader.load(path: path) } catch {
            Output.report([error])
            throw ExitCode.badInput
        }
    }

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        var wanted: Domain?
        if let domain {
            guard let d = Domain(lenient: domain) else {
                throw ValidationError("unknown domain \"\(domain)\": use enterprise, mobile or ics")
            }
            wanted = d
        }
        let bundles = (try load(old), try load(new))
        let embeddedDomain = wanted ?? bundles.0?.info.domain ?? bundles.1?.info.domain ?? .enterprise
        func orEmbedded(_ bundle: KnowledgeBase?) throws -> KnowledgeBase {
            if let bundle { return bundle }
            do { return try EmbeddedIndex.embedded(embeddedDomain) } catch {
                Output.report([error])
                throw ExitCode.badInput
            }
        }
        let a = try orEmbedded(bundles.0)
        let b = try orEmbedded(bundles.1)
        guard a.info.domain == b.info.domain else {
            Output.error("cannot compare ATT&CK \(a.info.domain.title) with \(b.info.domain.title)")
            throw ExitCode.badInput
        }
        let diff = AttackDiff(old: a, new: b)
        if format == .json {
            Output.printJSON(diff)
        } else {
            print("ATT&CK \(diff.old) → \(diff.new)")
            let sections: [(String, [AttackDiff.Item])] = [
                ("added", diff.added), ("removed", diff.removed), ("revoked", diff.revoked), ("deprecated", diff.deprecated),
                ("renamed", diff.renamed), ("moved between tactics", diff.movedTactics), ("platform changes", diff.platformChanges),
            ]
            for (title, items) in sections {
                print("\n\(title): \(items.count)")
                for item in items { print("  \(item.id)  \(item.name)  [\(item.kind)]" + (item.detail.map { "  \($0)" } ?? "")) }
            }
        }
        if !diff.isEmpty { throw ExitCode.findings }
    }
}
