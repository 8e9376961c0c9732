// `vigil attack build-index`: generate the compact index that Vigil embeds (developers' command).
import ArgumentParser
import VigilAttack
import VigilCore

struct AttackBuildIndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-index", abstract: "Generate Vigil's embedded ATT&CK index from bundles (for Vigil's developers).",
        discussion: "Exit 0 when every bundle was indexed and every file written, 2 otherwise.",
        shouldDisplay: false)

    @Argument(help: "One bundle per domain.") var bundles: [String]
    @Option(help: "Write the Swift source here (Sources/VigilAttack/Generated/EmbeddedIndexData.swift).") var swift: String?
    @Option(help: "Write the plain index text of the first bundle here.") var text: String?
    @Option(help: "Output format: table or json.") var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false

    struct Indexed: Encodable {
        var domain: String
        var version: String
        var objects: Int
        var relationships: Int
    }

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        var bases: [KnowledgeBase] = []
        do {
            for path in bundles { bases.append(try STIXLoader.load(path: path)) }
            if let swift { try FileBytes.writeAtomically(Array(EmbeddedIndex.swiftSource(bases).utf8), to: swift) }
            if let text, let first = bases.first { try FileBytes.writeAtomically(Array(EmbeddedIndex.encode(first).utf8), to: text) }
        } catch {
            Output.report([error])
            throw ExitCode.badInput
        }
        if format == .json {
            Output.printJSON(
                bases.map {
                    Indexed(
                        domain: $0.info.domain.rawValue, version: $0.info.version, objects: $0.objects.count,
                        relationships: $0.relationships.count)
                })
            return
        }
        for kb in bases {
            print(
                "indexed ATT&CK \(kb.info.domain.title) \(kb.info.version): \(counted(kb.objects.count, "object")), "
                    + counted(kb.relationships.count, "relationship"))
        }
    }
}
