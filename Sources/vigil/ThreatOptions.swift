// Hunting from the adversary: `--technique`, `--tactic` and `--actor` choose the Sigma rules of `hunt` and `timeline`
// by ATT&CK, and `hunt --layer` turns what was found back into ATT&CK.
import ArgumentParser
import VigilAttack
import VigilCore
import VigilCoverage
import VigilSigma

struct ThreatOptions: ParsableArguments {
    @Option(
        name: .customLong("technique"),
        help: ArgumentHelp(
            "Run only rules mapped to this ATT&CK technique, its sub-techniques included (IDs of any version); repeat for more.",
            valueName: "id"))
    var techniques: [String] = []

    @Option(
        name: .customLong("tactic"),
        help: ArgumentHelp("Run only rules of this tactic (name, shortname or TA ID); repeat for more.", valueName: "tactic"))
    var tactics: [String] = []

    @Option(
        name: .customLong("actor"),
        help: ArgumentHelp(
            "Run only rules for the techniques of this ATT&CK group, campaign or software (ID, name or alias) or DeTT&CT group file; repeat for more.",
            valueName: "actor"))
    var actors: [String] = []

    @OptionGroup var attack: AttackOptions

    var selects: Bool { !techniques.isEmpty || !tactics.isEmpty || !actors.isEmpty }

    /// The rules the selection picks, with the selection (nil without --technique, --tactic or --actor). An unknown
    /// technique, tactic or actor is printed with its closest matches and exits 2.
    func choose(_ rules: [SigmaRule], kb: KnowledgeBase) throws -> ([SigmaRule], AttackRuleSelection?) {
        guard selects else { return (rules, nil) }
        var selection = AttackRuleSelection(
            techniques: techniques, tactics: tactics, actors: actors, kb: kb, crosswalk: try attack.loadCrosswalk())
        if !selection.diagnostics.isEmpty {
            Output.report(selection.diagnostics)
            throw ExitCode.badInput
        }
        let chosen = rules.filter { selection.choose($0) }
        return (chosen, selection)
    }

    /// After compiling: names, per selector, the rules chosen and the techniques no runnable rule covers.
    static func report(_ selection: inout AttackRuleSelection, ruleSet: RuleSet) {
        selection.findUncovered(ruleSet.activeRules.map { ruleSet.rules[$0] })
        for line in selection.summaryLines { printError("selection: " + line) }
    }
}
