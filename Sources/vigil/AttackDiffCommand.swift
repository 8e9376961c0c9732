// `vigil attack diff OLD NEW`: what changed between two ATT&CK releases.
import ArgumentParser
import VigilAttack
import VigilCore

struct AttackDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Compare two ATT&CK bundles: added, removed, revoked, deprecated, renamed, moved, platform changes.",
        discussion: "Exit 0 when nothing changed, 1 when something did (so a pipeline can notice a new release).")

    @Argument(help: "The older bundle (or `embedded`).") var old: String
    @Argument(help: "The newer bundle (or `embedded`).") var new: String
    @Option(help: "Domain of `embedded` (enterprise, mobile, ics).") var domain = "enterprise"
    @Flag(help: "Machine-readable output.") var json = false

    func load(_ path: String) throws -> KnowledgeBase {
        do {
            if path == "embedded" {
                guard let d = Domain(lenient: domain) else { throw ValidationError("unknown domain \(domain)") }
                return try EmbeddedIndex.embedded(d)
            }
            return try STIXLoader.load(path: path)
        } catch let error as Diagnostic {
            Output.report([error])
            throw ExitCode.badInput
        }
    }

    func run() throws {
        let a = try load(old)
        let b = try load(new)
        guard a.info.domain == b.info.domain else {
            Output.error("cannot compare ATT&CK \(a.info.domain.title) with \(b.info.domain.title)")
            throw ExitCode.badInput
        }
        let diff = AttackDiff(old: a, new: b)
        if json {
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
