// A hunt plan: for each technique of a selection (techniques, tactics, an actor's techniques), the Threat Hunter
// Playbook hypotheses that cover it, ATT&CK's detection strategies and analytics with the log sources they read and
// whether the inventory collects them, and the rules across the repositories — a checklist a hunter can follow.

import VigilAttack
import VigilCore

public struct HuntPlan: Sendable, Codable {
    public struct Hypothesis: Sendable, Codable {
        public var id: String
        public var title: String
        public var hypothesis: String?
        public var link: String
    }

    public struct LogSource: Sendable, Codable {
        public var dataComponent: String?
        public var name: String
        public var channel: String
        /// Whether the inventory collects its data component (nil without an inventory).
        public var collected: Bool?
    }

    public struct Analytic: Sendable, Codable {
        public var strategy: String
        public var analytic: String
        public var platforms: [String]
        public var logSources: [LogSource]
    }

    public struct Rule: Sendable, Codable {
        public var source: RuleSource
        public var id: String
        public var title: String
        public var path: String
        public var rating: Int
        /// A Sigma rule the engine accepted: `vigil hunt` runs it here.
        public var runsHere: Bool
        /// Whether the inventory collects every log it needs (nil without an inventory).
        public var logsCollected: Bool?
    }

    public struct Technique: Sendable, Codable {
        public var id: String
        public var name: String
        public var tactics: [String]
        /// The selectors (technique, tactic, actor) that brought it in.
        public var selectedBy: [String]
        public var hypotheses: [Hypothesis]
        public var analytics: [Analytic]
        public var rules: [Rule]
        public var rulesBySource: [String: Int]
    }

    public var attack: String
    public var inventory: String?
    public var selectors: [String]
    public var techniques: [Technique]

    /// Builds the plan for `selection`'s techniques from `rules` (any repositories) and, when given, the inventory.
    public init(
        selection: AttackRuleSelection, rules: [DetectionRule], kb: KnowledgeBase, crosswalk: Crosswalk, inventory: Inventory?,
        map: LogSourceMap, rater: RuleRater = RuleRater()
    ) {
        attack = "\(kb.info.domain.title) \(kb.info.version)"
        self.inventory = inventory?.name
        selectors = selection.selectors.map { "\($0.kind) \($0.name)" }
        var selectedBy: [String: [String]] = [:]
        var order: [String] = []
        for s in selection.selectors {
            for id in s.techniques {
                if selectedBy[id] == nil { order.append(id) }
                selectedBy[id, default: []].append("\(s.kind) \(s.text)")
            }
        }
        // Rules by the techniques their IDs resolve to.
        var resolved: [String: String?] = [:]
        var rulesOf: [String: [Int]] = [:]
        for (r, rule) in rules.enumerated() where !rule.deprecated {
            for written in rule.techniqueIDs {
                if resolved[written] == nil {
                    resolved[written] = .some(kb.resolveTechnique(written, crosswalk: crosswalk).index.flatMap { kb.objects[$0].attackID })
                }
                if let id = resolved[written] ?? nil, selectedBy[id] != nil, !(rulesOf[id]?.contains(r) ?? false) {
                    rulesOf[id, default: []].append(r)
                }
            }
        }
        let present = inventory?.logSources.filter(VisibilityModel.isPresent) ?? []
        let collected = inventory.map { CollectedComponents(inventory: $0) }
        func logsCollected(_ rule: DetectionRule) -> Bool? {
            guard let collected else { return nil }
            return !rule.logSources.isEmpty
                && rule.logSources.allSatisfy { CoverageAssessment.satisfied($0, present: present, collected: collected, map: map) }
        }
        techniques = order.sorted().compactMap { id in
            guard let i = kb.objects(attackID: id, kind: .technique).first else { return nil }
            let detail = kb.detail(of: i)
            var bySource: [String: Int] = [:]
            var planRules: [Rule] = []
            var hypotheses: [Hypothesis] = []
            for r in rulesOf[id] ?? [] {
                let rule = rules[r]
                bySource[rule.source.rawValue, default: 0] += 1
                if rule.source == .threatHunterPlaybook {
                    hypotheses.append(
                        Hypothesis(
                            id: rule.id, title: rule.title, hypothesis: rule.summary,
                            link: "https://threathunterplaybook.com/hunts/windows/\(rule.id)/notebook.html"))
                }
                planRules.append(
                    Rule(
                        source: rule.source, id: rule.id, title: rule.title, path: rule.path, rating: rater.rate(rule).rating,
                        runsHere: rule.engineRule != nil, logsCollected: logsCollected(rule)))
            }
            planRules.sort { ($1.runsHere ? 1 : 0, $1.rating, $0.title) < ($0.runsHere ? 1 : 0, $0.rating, $1.title) }
            let analytics = detail.detectionStrategies.flatMap { s in
                s.analytics.map { a in
                    Analytic(
                        strategy: "\(s.strategy.id) \(s.strategy.name)", analytic: a.id, platforms: a.platforms,
                        logSources: a.logSources.map { l in
                            LogSource(
                                dataComponent: l.dataComponent?.name, name: l.name, channel: l.channel,
                                collected: l.dataComponent.flatMap { dc in collected.map { $0.contains(dc.name, on: nil) } })
                        })
                }
            }
            return Technique(
                id: id, name: kb.objects[i].name, tactics: kb.objects[i].tactics, selectedBy: selectedBy[id] ?? [], hypotheses: hypotheses,
                analytics: analytics, rules: planRules, rulesBySource: bySource)
        }
    }

    /// The checklist as Markdown.
    public var markdown: String {
        func md(_ text: String) -> String { text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|") }
        var out = "# Hunt plan\n\nATT&CK \(attack)" + (inventory.map { " · inventory: \($0)" } ?? "") + "\n\n"
        out += "Selection: " + selectors.joined(separator: "; ") + "\n\n"
        let withRules = techniques.count { t in t.rules.contains { $0.runsHere } }
        out += "\(counted(techniques.count, "technique")); \(withRules) with a rule `vigil hunt` runs; "
        out += "\(techniques.count { !$0.hypotheses.isEmpty }) with a Threat Hunter Playbook hypothesis.\n"
        for t in techniques {
            out += "\n## \(t.id) \(md(t.name))\n\n"
            out += "Tactics: \(t.tactics.joined(separator: ", ")) · selected by \(t.selectedBy.joined(separator: ", "))\n\n"
            out += "### Hypotheses\n\n"
            if t.hypotheses.isEmpty { out += "None in the Threat Hunter Playbook: write one.\n" }
            for h in t.hypotheses {
                out += "- [ ] [\(h.id)](\(h.link)) \(md(h.title))" + (h.hypothesis.map { ": \(md($0))" } ?? "") + "\n"
            }
            out += "\n### ATT&CK detection strategies\n\n"
            if t.analytics.isEmpty { out += "ATT&CK gives no analytic for it.\n" }
            for a in t.analytics {
                out += "- [ ] \(md(a.strategy)), analytic \(a.analytic) (\(a.platforms.joined(separator: ", "))): "
                out +=
                    a.logSources.map { l in
                        "\(md(l.dataComponent ?? l.name)) — \(md(l.name)) \(md(l.channel))"
                            + (l.collected.map { $0 ? " (collected)" : " (**not collected**)" } ?? "")
                    }.joined(separator: "; ") + "\n"
            }
            out += "\n### Rules\n\n"
            if t.rules.isEmpty {
                out += "No rule in the repositories maps to it.\n"
            } else {
                out += t.rulesBySource.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + "\n\n"
            }
            for r in t.rules.prefix(15) {
                out += "- [ ] \(r.source.title): \(md(r.title)) — rating \(r.rating)"
                out += r.runsHere ? ", runs here (`vigil hunt --technique \(t.id)`)" : ", run it in its own tool"
                if let collected = r.logsCollected { out += collected ? ", logs collected" : ", **logs not collected**" }
                out += " · `\(md(r.path))`\n"
            }
            if t.rules.count > 15 { out += "- … \(t.rules.count - 15) more (see --format json)\n" }
        }
        return out
    }
}
