// Hunting from the adversary: Sigma rules chosen by ATT&CK technique (with its sub-techniques), tactic or actor,
// the rules' tags resolved on the loaded ATT&CK (revocations, crosswalk) as coverage resolves them.

import VigilAttack
import VigilCore
import VigilSigma

/// The rules a hunt runs, chosen by `--technique`, `--tactic` and `--actor`; a rule is chosen when one of its
/// technique tags resolves into the selection, or (for `--tactic`) when it is tagged with a selected tactic.
public struct AttackRuleSelection: Sendable {
    /// One selector as given, what it resolved to, and what it picked.
    public struct Selector: Sendable, Codable {
        /// `technique`, `tactic` or `actor`.
        public var kind: String
        public var text: String
        /// What it names on the loaded ATT&CK (`T1003 OS Credential Dumping`, `Defense Evasion`, `APT29 (G0016)`).
        public var name: String
        /// The technique IDs it selects, sub-techniques included.
        public var techniques: [String]
        /// How many of the rules given it picked.
        public var rules = 0
        /// Its techniques that no picked, runnable rule maps to: what this hunt cannot see.
        public var uncovered: [String] = []
    }

    public var selectors: [Selector] = []
    /// Unknown techniques, tactics and actors, each with the closest matches.
    public var diagnostics: [Diagnostic] = []
    /// Technique ID → the selectors that include it.
    var bySelector: [Set<String>] = []
    var tacticNames: [Set<String>] = []
    let kb: KnowledgeBase
    let crosswalk: Crosswalk
    /// Cache of tag → resolved technique ID.
    private var resolved: [String: String?] = [:]

    public var isEmpty: Bool { selectors.isEmpty && diagnostics.isEmpty }

    public init(techniques: [String], tactics: [String], actors: [String], kb: KnowledgeBase, crosswalk: Crosswalk = .builtIn()) {
        self.kb = kb
        self.crosswalk = crosswalk
        for text in techniques { addTechnique(text) }
        for text in tactics { addTactic(text) }
        for text in actors { addActor(text) }
    }

    /// The technique with its sub-techniques, as IDs.
    func family(_ index: Int) -> [String] {
        ([index] + kb.subtechniques(of: index)).compactMap { kb.objects[$0].attackID }
    }

    mutating func add(_ selector: Selector, tactics: Set<String> = []) {
        selectors.append(selector)
        bySelector.append(Set(selector.techniques))
        tacticNames.append(tactics)
    }

    mutating func addTechnique(_ text: String) {
        let found = kb.lookup(text, crosswalk: crosswalk)
        guard let i = found.index, kb.objects[i].kind == .technique else {
            unknown("technique", text, kinds: [.technique])
            return
        }
        let o = kb.objects[i]
        add(Selector(kind: "technique", text: text, name: "\(o.attackID ?? text) \(o.name)", techniques: family(i)))
    }

    mutating func addTactic(_ text: String) {
        let wanted = text.lowercased().replacingOccurrences(of: " ", with: "-")
        let tactic = kb.tactics.first { t in
            let o = kb.objects[t]
            return o.tactics.first == wanted || o.name.lowercased() == text.lowercased() || o.attackID?.lowercased() == text.lowercased()
        }
        guard let t = tactic, let short = kb.objects[t].tactics.first else {
            let names = kb.tactics.map { kb.objects[$0] }
            let close = names.sorted {
                EditDistance.between(wanted, $0.tactics.first ?? "") < EditDistance.between(wanted, $1.tactics.first ?? "")
            }
            diagnostics.append(
                Diagnostic(
                    SourceLocation(file: "--tactic", item: text), code: "tactic-unknown",
                    "\"\(text)\" is no ATT&CK \(kb.info.domain.title) tactic; closest: "
                        + close.prefix(3).map { "\($0.tactics.first ?? "") (\($0.attackID ?? ""))" }.joined(separator: ", ")))
            return
        }
        let techniques = kb.objects.indices.filter {
            kb.objects[$0].kind == .technique && kb.objects[$0].isActive && kb.objects[$0].tactics.contains(short)
        }
        add(
            Selector(
                kind: "tactic", text: text, name: kb.objects[t].name, techniques: techniques.compactMap { kb.objects[$0].attackID }.sorted()
            ),
            tactics: [short])
    }

    mutating func addActor(_ text: String) {
        var actors = ActorSelection()
        actors.add(text, kb: kb)
        guard actors.diagnostics.isEmpty, !actors.actors.isEmpty else {
            unknown(
                "group, campaign or software", text, kinds: [.group, .campaign, .software], code: "actor-unknown", option: "--actor",
                extra: actors.diagnostics.filter { $0.code != "actor-unknown" })
            return
        }
        for actor in actors.actors {
            var ids: [String] = []
            for id in actor.techniqueIDs {
                if let i = kb.resolveTechnique(id, crosswalk: crosswalk).index, let resolved = kb.objects[i].attackID {
                    ids.append(resolved)
                }
            }
            add(Selector(kind: "actor", text: text, name: "\(actor.name) (\(actor.origin))", techniques: Array(Set(ids)).sorted()))
        }
    }

    mutating func unknown(
        _ what: String, _ text: String, kinds: Set<ObjectKind>, code: String? = nil, option: String? = nil, extra: [Diagnostic] = []
    ) {
        let close = closest(text, kinds: kinds).map { "\(kb.objects[$0].attackID ?? "") \(kb.objects[$0].name)" }
        diagnostics.append(
            Diagnostic(
                SourceLocation(file: option ?? "--\(what)", item: text), code: code ?? "\(what)-unknown",
                "\"\(text)\" is no ATT&CK \(kb.info.domain.title) \(what)"
                    + (close.isEmpty ? "" : "; closest: " + close.joined(separator: ", "))))
        diagnostics += extra
    }

    /// The three active objects of `kinds` closest to `text`: by ID, name or alias in edit distance.
    func closest(_ text: String, kinds: Set<ObjectKind>) -> [Int] {
        let needle = text.lowercased()
        var scored: [(distance: Int, index: Int)] = []
        for (i, o) in kb.objects.enumerated() where kinds.contains(o.kind) && o.isActive {
            let names = [o.attackID ?? "", o.name] + o.aliases
            let d = names.map { EditDistance.between(needle, $0.lowercased()) }.min() ?? Int.max
            scored.append((d, i))
        }
        return scored.sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }.prefix(3).map(\.index)
    }

    /// The technique IDs a rule's tags resolve to on the loaded ATT&CK.
    public mutating func techniques(of rule: SigmaRule) -> [String] {
        var result: [String] = []
        for tag in rule.techniques {
            let text = tag.description
            let id: String?
            if let known = resolved[text] {
                id = known
            } else {
                id = kb.resolveTechnique(text, crosswalk: crosswalk).index.flatMap { kb.objects[$0].attackID }
                resolved[text] = id
            }
            if let id, !result.contains(id) { result.append(id) }
        }
        return result
    }

    /// Whether the rule falls into any selector (each selector that picks it counts it).
    public mutating func choose(_ rule: SigmaRule) -> Bool {
        let techniques = techniques(of: rule)
        let tactics = Set(rule.tactics)
        var chosen = false
        for k in selectors.indices where techniques.contains(where: bySelector[k].contains) || !tacticNames[k].isDisjoint(with: tactics) {
            selectors[k].rules += 1
            chosen = true
        }
        return chosen
    }

    /// Records, per selector, its techniques that none of `runnable` (the chosen rules that run) maps to.
    public mutating func findUncovered(_ runnable: [SigmaRule]) {
        var seen = Set<String>()
        for rule in runnable { seen.formUnion(techniques(of: rule)) }
        for k in selectors.indices {
            // A parent counts as seen through a rule on one of its sub-techniques, and the reverse.
            selectors[k].uncovered = selectors[k].techniques.filter { id in
                !seen.contains(id) && !seen.contains { $0.hasPrefix(id + ".") || id.hasPrefix($0 + ".") }
            }
        }
    }

    /// One line per selector for the hunt's summary.
    public var summaryLines: [String] {
        selectors.map { s in
            var line = "\(s.kind) \(s.name): \(counted(s.techniques.count, "technique")), \(counted(s.rules, "rule")) chosen"
            if !s.uncovered.isEmpty {
                line +=
                    "; no runnable rule for \(counted(s.uncovered.count, "technique")): " + s.uncovered.prefix(12).joined(separator: ", ")
                if s.uncovered.count > 12 { line += " (+\(s.uncovered.count - 12))" }
            }
            return line
        }
    }
}

/// Levenshtein distance, for naming the closest matches to a mistyped name.
enum EditDistance {
    static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
