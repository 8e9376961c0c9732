// `vigil attack build-index`: generate the compact index that Vigil embeds (developers' command).
import ArgumentParser
import VigilAttack
import VigilCore

struct AttackBuildIndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-index", abstract: "Generate Vigil's embedded ATT&CK index from bundles (for Vigil's developers).",
        shouldDisplay: false)

    @Argument(help: "One bundle per domain.") var bundles: [String]
    @Option(help: "Write the Swift source here (Sources/VigilAttack/Generated/EmbeddedIndexData.swift).") var swift: String?
    @Option(help: "Write the plain index text of the first bundle here.") var text: String?

    func run() throws {
        var bases: [KnowledgeBase] = []
        do {
            for path in bundles { bases.append(try STIXLoader.load(path: path)) }
            if let swift { try AttackSource.writeAtomically(Array(EmbeddedIndex.swiftSource(bases).utf8), to: swift) }
            if let text, let first = bases.first { try AttackSource.writeAtomically(Array(EmbeddedIndex.encode(first).utf8), to: text) }
        } catch {
            Output.report([error])
            throw ExitCode.badInput
        }
        for kb in bases {
            print(
                "indexed ATT&CK \(kb.info.domain.title) \(kb.info.version): \(kb.objects.count) objects, \(kb.relationships.count) relationships"
            )
        }
    }
}
