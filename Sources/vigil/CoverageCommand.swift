// `vigil coverage`: from rule repositories and the log-source inventory to an ATT&CK heat map,
// a gap plan and threat-actor priorities.
import ArgumentParser
import Foundation
import VigilAttack
import VigilCore
import VigilCoverage
import VigilStore
import VigilValidation

struct CoverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coverage",
        abstract: "Map rules and collected logs to ATT&CK: status heat map, scores, gap plan, actor priorities.",
        discussion: """
            Green: a rule on collected logs with a rating at or above --threshold. Yellow: rules exist but \
            their logs are missing, or only low-rated/experimental rules, or visibility without detection. \
            Red: no rule and the data to write one is not collected. White: not assessed (no system of its \
            platforms, excluded). Every colour comes with its reasons: in the layer comments, the gap plan's \
            reason column and --format json. A rule read twice (from two paths) counts once, with a warning.

            --validate runs the Sigma rules over attack simulations (EVTX, JSON and the other logs `vigil hunt` \
            reads) labelled with the techniques they simulate: Security-Datasets metadata beside them, technique IDs \
            in file or folder names, or --simulations manifests. A technique is validated when a rule mapped to it \
            (or to a sub-technique) fires on a simulation of it, missed when its simulation holds its rules' logs and \
            none fires, untested otherwise; green splits into validated and unproven in the layers, the gap plan and \
            the summary. Rules of other repositories are not executable here and stay unvalidated.

            High-value assets: an inventory may give systems a `value` (1–5 or critical, high, medium, low, minimal) \
            and `holds` tags (pii, database, email, identity, payments, ot or free tags), or group systems (by name or \
            platform) into `assets`. Each asset is then assessed on its own logs, and gaps are ranked by \
            weight = Σ over the assets where the technique is red or yellow of value × (1 + actors using it + those \
            of them after what the asset holds). What actors are after comes from `aims` in their group file or --aim. \
            The plan gets one section per asset, onboarding is ranked by the asset-weighted gaps it closes, and \
            --layers adds the asset-risk layer.

            Exit status: 0 success; 1 findings: a rule was rejected (each is listed with its file, line and \
            reason, and counts for nothing), --fail-under or --fail-under-validated was missed; 2 bad input: an input cannot be used, a \
            --rules path does not exist or holds no rules Vigil reads, an --actors name matches no group, \
            campaign, software or file, an asset names an unknown system or platform or a value out of range, an \
            --aim names an actor not selected, or a --validate simulation or --simulations manifest cannot be read \
            (the run still reports the rest; an aim no asset holds is a warning).
            """)

    @OptionGroup var source: AttackOptions

    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp(
            "Rule repositories or files (Sigma, Elastic, CAR, EQL, Sentinel, THP). Default: the rules `vigil rules update` installed.",
            valueName: "path"))
    var rules: [String] = []
    @Option(help: ArgumentHelp("Log-source inventory: Vigil YAML or a DeTT&CT data-source administration file.", valueName: "file"))
    var inventory: String
    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp(
            "Adversaries: ATT&CK group/campaign/software IDs, names or aliases, DeTT&CT group files, report lists, Navigator layers.",
            valueName: "actor"))
    var actors: [String] = []
    @Option(
        help: ArgumentHelp(
            "What an adversary is after, matched to the inventory assets' `holds`: ACTOR=tag,tag or tag,tag (every selected actor). Repeat for more.",
            valueName: "aim"))
    var aim: [String] = []
    @Flag(help: "Ignore the inventory's high-value assets: rank gaps by the selected actors alone, as without assets.")
    var noAssets = false
    @Option(help: ArgumentHelp("Risk register YAML (accepted techniques).", valueName: "file")) var accept: String?
    @Option(help: ArgumentHelp("Analyst rating overrides YAML (by rule id or path glob; dated and commented).", valueName: "file"))
    var ratings: String?
    @Option(help: ArgumentHelp("A rating table replacing the built-in one.", valueName: "file")) var ratingTable: String?
    @Option(help: ArgumentHelp("A log-source map (YAML) replacing the built-in one.", valueName: "file")) var map: String?
    @Option(help: ArgumentHelp("DeTT&CT's data/ folder: score visibility with DeTT&CT's platform tables (DeTT&CT mode).", valueName: "dir"))
    var dettectData: String?
    @Option(help: "Minimum rating (1–5) for a rule to count as detection.") var threshold = 3
    @Option(help: ArgumentHelp("Write the status layer here (ATT&CK Navigator 4.5).", valueName: "file")) var layer: String?
    @Option(
        help: ArgumentHelp(
            "Write every layer into this folder (six; plus validation with --validate, asset-risk with assets).", valueName: "dir"))
    var layers: String?
    @Option(help: ArgumentHelp("Write the gap plan as Markdown here.", valueName: "file")) var report: String?
    @Option(help: ArgumentHelp("Write the gap plan as JSON here.", valueName: "file")) var plan: String?
    @Option(help: "Exit 1 when fewer than this percentage of in-scope techniques are green.") var failUnder: Double?
    @Option(
        name: .customLong("validate"), parsing: .upToNextOption,
        help: ArgumentHelp("Attack simulations (log files or folders) to validate the green techniques on.", valueName: "logs"))
    var simulationLogs: [String] = []
    @Option(
        help: ArgumentHelp(
            "A manifest labelling simulations: YAML (simulations: [{path, techniques}]) or CSV (path,techniques); repeat for more.",
            valueName: "file"))
    var simulations: [String] = []
    @Option(help: "Exit 1 when fewer than this percentage of green techniques are validated (needs --validate).")
    var failUnderValidated: Double?
    @Option(help: ArgumentHelp("Date for risk-acceptance expiry (default: today).", valueName: "YYYY-MM-DD")) var today: String?
    @Option(help: "Output format: table or json.") var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false
    @Flag(help: "Record this run as a snapshot in the history store (see `vigil history`, `vigil serve`).") var save = false
    @Option(help: "Label for the saved snapshot.") var label: String?
    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard (1...5).contains(threshold) else { throw ValidationError("--threshold is a rating from 1 to 5") }
        if let failUnder, !(0...100).contains(failUnder) { throw ValidationError("--fail-under is a percentage from 0 to 100") }
        if let failUnderValidated, !(0...100).contains(failUnderValidated) {
            throw ValidationError("--fail-under-validated is a percentage from 0 to 100")
        }
        if simulationLogs.isEmpty && (failUnderValidated != nil || !simulations.isEmpty) {
            throw ValidationError("--fail-under-validated and --simulations need --validate LOGS")
        }
        _ = try outputFormat
    }

    /// The summary's format: `--format table|json`, `--json` the same as `--format json`.
    var outputFormat: OutputFormat { get throws { try OutputFormat.chosen(format, json: json, allowed: [.table, .json]) } }

    func run() throws {
        let rules = InstalledRules.orDefault(self.rules)
        let kb = try source.load()
        let crosswalk = try source.loadCrosswalk()
        var input: CoverageInputs
        let rater: RuleRater
        do {
            input = try CoverageInputs.load(
                kb: kb, rules: rules, inventory: inventory, actors: actors, aims: aim, accept: accept, map: map, dettectData: dettectData)
            if noAssets { input.inventory.assets = [] }
            var table = RatingTable.default
            if let ratingTable { table = try RatingTable.load(ratingTable) }
            var overrides = RatingOverrides()
            if let ratings { overrides = try RatingOverrides.load(ratings) }
            rater = RuleRater(table: table, overrides: overrides)
            Output.report(overrides.diagnostics)
        } catch {
            Output.report([error])
            throw ExitCode.badInput
        }
        // Nothing read at all (rejected rules were read: they are findings, below) is bad input.
        let rejectedAny = input.repositories.imports.contains { $0.diagnostics.contains { $0.severity == .error } }
        guard !input.repositories.rules.isEmpty || rules.isEmpty || rejectedAny else {
            Output.report(input.repositories.allDiagnostics)
            Output.error("no rules could be read from " + rules.joined(separator: ", "))
            throw ExitCode.badInput
        }
        let date = today ?? Self.isoToday()
        let simulations = simulationLogs.isEmpty ? nil : (logs: simulationLogs, manifests: self.simulations)
        let result = CoverageRun.assess(
            input, kb: kb, crosswalk: crosswalk, rater: rater, options: CoverageOptions(threshold: threshold, today: date),
            validate: simulations.map { simulations in
                { report in
                    SimulationRunner.validate(
                        &report, logs: simulations.logs, kb: kb, crosswalk: crosswalk, manifests: simulations.manifests,
                        rules: input.repositories.rules)
                }
            })
        Output.report(result.diagnostics)
        do {
            if let layer { try CoverageRun.write(LayerBuilder.build(.status, report: result.report, kb: kb), to: layer) }
            if let layers {
                // The validation layer only for a validated run (as a snapshot keeps it).
                for kind in LayerKind.allCases where kind.applies(to: result.report) {
                    try CoverageRun.write(
                        LayerBuilder.build(kind, report: result.report, kb: kb), to: layers + "/vigil-\(kind.rawValue).json")
                }
            }
            if let report { try FileBytes.writeAtomically(Array(result.plan.markdown.utf8), to: report) }
            if let plan { try FileBytes.writeAtomically(Array(Output.json(result.plan).utf8), to: plan) }
        } catch {
            Output.report([error])
            throw ExitCode.badInput
        }
        if save {
            var sources = ["rules": rules.joined(separator: " "), "inventory": inventory]
            if !actors.isEmpty { sources["actors"] = actors.joined(separator: " ") }
            if !aim.isEmpty { sources["aims"] = aim.joined(separator: " ") }
            if !simulationLogs.isEmpty { sources["simulations"] = (simulationLogs + self.simulations).joined(separator: " ") }
            if let accept { sources["accept"] = accept }
            if let ratings { sources["ratings"] = ratings }
            do {
                let saved = try store.open().save(
                    report: result.report, kb: kb, map: input.map,
                    inputs: SnapshotInputs(
                        label: label, sources: sources, ruleRoots: input.repositories.imports.map(\.root), inventory: input.inventory))
                Output.error("saved snapshot \(saved.name) to \(store.path)")
            } catch {
                Output.error("cannot save the snapshot: \(error)")
                throw ExitCode.badInput
            }
        }
        if try outputFormat == .json {
            Output.printJSON(result.summary)
        } else {
            print(result.summary.text)
        }
        // A --rules path that is missing or holds nothing Vigil reads, and an actor that names nothing, are bad input:
        // the run above goes on without them, and says so by its exit code.
        let unreadPaths = input.repositories.diagnostics.filter { $0.severity == .error }
        // So are an asset or aim the run had to skip (an unknown system, platform or actor, a value out of range).
        let badAssetOrAim = result.diagnostics.contains { d in
            d.severity == .error && (d.code.hasPrefix("asset-") || d.code.hasPrefix("aim-"))
        }
        if !unreadPaths.isEmpty || badAssetOrAim || result.diagnostics.contains(where: { $0.code == "actor-unknown" }) {
            throw ExitCode.badInput
        }
        // A simulation that cannot be read (missing, not a log, broken) or a manifest that cannot be used is bad input
        // too; the validation went on with the rest. Unlabelled files and labels resolving nowhere are warnings.
        if result.report.validation?.diagnostics.contains(where: { $0.severity == .error }) == true { throw ExitCode.badInput }
        // Findings: rules the engine or a reader rejected, and a missed gate.
        var findings = false
        if result.summary.rulesRejected > 0 {
            Output.error("\(rejectedText(result.summary.rulesRejected)) (each is listed with its reason; none counts)")
            findings = true
        }
        if let failUnder, result.report.greenPercent < failUnder {
            Output.error("coverage gate missed: \(result.report.greenPercent)% green, --fail-under \(failUnder)%")
            findings = true
        }
        if let failUnderValidated, let v = result.report.validation?.counts, v.validatedPercent < failUnderValidated {
            Output.error(
                "validation gate missed: \(v.validatedPercent)% of green techniques validated, --fail-under-validated \(failUnderValidated)%"
            )
            findings = true
        }
        if findings { throw ExitCode.findings }
    }

    private func rejectedText(_ n: Int) -> String { n == 1 ? "1 rule was rejected" : "\(n) rules were rejected" }

    static func isoToday() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd"
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }
}
