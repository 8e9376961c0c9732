// `vigil attack info`: which ATT&CK is loaded, from where, and how much of it.
import ArgumentParser
import VigilAttack
import VigilCore

struct AttackInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show the loaded ATT&CK version, domain, source and counts.")

    @OptionGroup var source: AttackOptions
    @Option(help: "Output format: table or json.") var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false

    struct Report: Encodable {
        var info: KnowledgeBaseInfo
        var counts: KnowledgeBase.Counts
        var unknownTypes: [String: Int]
        var diagnostics: Int
    }

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        let kb = try source.load()
        let counts = kb.counts
        if format == .json {
            Output.printJSON(Report(info: kb.info, counts: counts, unknownTypes: kb.unknownTypes, diagnostics: kb.diagnostics.count))
            return
        }
        let i = kb.info
        var rows: [[String]] = [
            ["ATT&CK", "\(i.domain.title) \(i.version)" + (i.name.map { " (\($0))" } ?? "")],
            ["source", i.source],
            ["format", i.hasProse ? "STIX \(i.specVersion)" : "Vigil index of STIX \(i.specVersion) (no descriptions)"],
        ]
        if let modified = i.modified { rows.append(["modified", modified]) }
        rows += [
            ["techniques", "\(counts.techniques) (+ \(counted(counts.subtechniques, "sub-technique")))"],
            ["tactics", "\(counts.tactics)"],
            ["groups", "\(counts.groups) active of \(counts.groupsAll)"],
            ["software", "\(counts.software)"],
            ["campaigns", "\(counts.campaigns)"],
            ["mitigations", "\(counts.mitigations)"],
        ]
        if counts.dataSources > 0 { rows.append(["data sources", "\(counts.dataSources)"]) }
        rows.append(["data components", "\(counts.dataComponents)"])
        if counts.detectionStrategies > 0 {
            rows.append(["detection strategies", "\(counts.detectionStrategies) (\(counted(counts.analytics, "analytic")))"])
        }
        if counts.assets > 0 { rows.append(["assets", "\(counts.assets)"]) }
        rows += [
            ["revoked techniques", "\(counts.revokedTechniques)"],
            ["deprecated techniques", "\(counts.deprecatedTechniques)"],
            [
                "relationships",
                "\(counts.relationships) (\(counts.detects) detects"
                    + (counts.detectsFrom.isEmpty ? "" : ", from " + counts.detectsFrom.keys.sorted().joined(separator: ", ")) + ")",
            ],
        ]
        if !kb.unknownTypes.isEmpty {
            rows.append([
                "unknown types", kb.unknownTypes.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", "),
            ])
        }
        if !kb.diagnostics.isEmpty { rows.append(["problems", "\(kb.diagnostics.count) (listed on standard error)"]) }
        for row in rows { print(row[0].padding(toLength: 23, withPad: " ", startingAt: 0) + row[1]) }
    }
}
