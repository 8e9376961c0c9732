// `vigil hunt plan`: the checklist for hunting a technique, tactic or actor — hypotheses, ATT&CK's analytics and
// their log sources, the rules across the repositories, and what the inventory collects.
import ArgumentParser
import VigilAttack
import VigilCore
import VigilCoverage

struct HuntPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", _superCommandName: "vigil hunt",
        abstract: "A hunt plan for techniques, tactics or actors: hypotheses, ATT&CK analytics, rules and the logs they need.",
        discussion: Help.reflow(
            """
            For each technique of the selection (--technique with its sub-techniques, --tactic, --actor): the Threat Hunter
            Playbook hypotheses that cover it (the playbook's text and link; give its folder among --rules), ATT&CK's
            detection strategies and analytics with the log sources they read, the rules of every repository given with
            their rating and whether `vigil hunt` runs them here, and with --inventory whether each log is collected.
            Markdown (a checklist) or JSON. Exit status: 0 success, 2 bad input (an unknown technique, tactic or actor is
            named with its closest matches; no selection; unreadable rules or inventory).
            """))

    @OptionGroup var threat: ThreatOptions

    @Option(
        name: .customLong("rules"),
        help:
            "Rule repositories (Sigma, Elastic, CAR, EQL, Sentinel, Threat Hunter Playbook); repeat for more. Default: the installed rules."
    )
    var rules: [String] = []

    @Option(help: ArgumentHelp("The log-source inventory: says which logs are collected.", valueName: "file")) var inventory: String?

    @Option(help: "Output format: markdown or json.") var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Write the plan here instead of standard output.", valueName: "file"))
    var output: String?

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.markdown, .json], fallback: .markdown)
        guard threat.selects else {
            Output.error("give --technique, --tactic or --actor")
            throw ExitCode.badInput
        }
        let kb = try threat.attack.load()
        let crosswalk = try threat.attack.loadCrosswalk()
        let selection = AttackRuleSelection(
            techniques: threat.techniques, tactics: threat.tactics, actors: threat.actors, kb: kb, crosswalk: crosswalk)
        if !selection.diagnostics.isEmpty {
            Output.report(selection.diagnostics)
            throw ExitCode.badInput
        }
        let paths = try InstalledRules.required(rules)
        let repositories = RuleRepositories.read(paths)
        Output.report(repositories.diagnostics)
        let map = LogSourceMap.builtIn()
        var inv: Inventory?
        if let inventory {
            do { inv = try Inventory.load(path: inventory, map: map) } catch {
                Output.report([error])
                throw ExitCode.badInput
            }
        }
        let plan = HuntPlan(selection: selection, rules: repositories.rules, kb: kb, crosswalk: crosswalk, inventory: inv, map: map)
        let text = format == .json ? Output.json(plan) + "\n" : plan.markdown
        if let output {
            do { try FileBytes.writeAtomically(Array(text.utf8), to: output) } catch {
                Output.report([error])
                throw ExitCode.badInput
            }
        } else {
            print(text, terminator: "")
        }
        if !repositories.diagnostics.filter({ $0.severity == .error }).isEmpty { throw ExitCode.badInput }
    }
}
