// What changed between two snapshots, and why: techniques that changed colour with the causes that
// touch them (a rule added, removed, re-rated or edited, a log source added or removed, an ATT&CK
// upgrade), and the rule and log-source inventories' own changes.

import VigilCoverage

public struct SnapshotDiff: Sendable, Codable {
    public struct RuleChange: Sendable, Codable, Equatable {
        public var key: String
        public var title: String
        public var path: String
        /// `added`, `removed`, `re-rated`, `edited`, `logs` (its logs became collected or missing).
        public var change: String
        public var detail: String
        public var techniques: [String]
    }

    public struct LogSourceChange: Sendable, Codable, Equatable {
        public var name: String
        /// `added`, `removed`, `changed`.
        public var change: String
        public var dataComponents: [String]
    }

    public struct TechniqueChange: Sendable, Codable, Equatable {
        public var id: String
        public var name: String
        /// nil when the technique is not in that snapshot (new or retired in ATT&CK).
        public var from: CoverageStatus?
        public var to: CoverageStatus?
        public var detectionScore: [Int]
        public var visibilityScore: [Int]
        /// Causes found in the inputs, most specific first; the new reasons of the technique last.
        public var why: [String]
    }

    /// A technique whose validation on attack simulations changed: it became validated or missed, or stopped being.
    public struct ValidationChange: Sendable, Codable, Equatable {
        public var id: String
        public var name: String
        /// nil: that snapshot was not validated.
        public var from: ValidationOutcome?
        public var to: ValidationOutcome?
        /// The evidence (rules that fired, on which file and event) or the rules expected to fire, and the reason.
        public var why: [String]
    }

    /// A high-value asset that was added, removed or redefined, or on which techniques changed status.
    public struct AssetChange: Sendable, Codable, Equatable {
        public var asset: String
        /// `added`, `removed`, `changed` (its value, what it holds or its systems) or `status` (only techniques on it).
        public var change: String
        public var detail: String
        /// Techniques whose status on the asset changed, as `T1003.001 yellow → green`.
        public var techniques: [String]
    }

    public var from: SnapshotSummary
    public var to: SnapshotSummary
    public var attackUpgrade: String?
    public var thresholdChange: String?
    public var techniques: [TechniqueChange]
    public var rules: [RuleChange]
    public var logSources: [LogSourceChange]
    /// Techniques that became validated or missed, or stopped being (absent in plans saved before validation).
    public var validation: [ValidationChange] = []
    /// High-value assets added, removed or redefined, and techniques whose status changed on an asset.
    public var assets: [AssetChange] = []
    /// Net change per status (to − from).
    public var statusDelta: [String: Int]

    /// Nothing changed: no technique changed colour, no rule or log source changed, same ATT&CK and threshold.
    public var isEmpty: Bool {
        techniques.isEmpty && rules.isEmpty && logSources.isEmpty && attackUpgrade == nil && thresholdChange == nil && validation.isEmpty
            && assets.isEmpty
    }

    public var rulesAdded: [RuleChange] { rules.filter { $0.change == "added" } }
    public var rulesRemoved: [RuleChange] { rules.filter { $0.change == "removed" } }

    public init(from a: Snapshot, to b: Snapshot) {
        from = a.summary
        to = b.summary
        attackUpgrade =
            a.summary.attackVersion != b.summary.attackVersion || a.summary.attackDomain != b.summary.attackDomain
            ? "ATT&CK \(a.summary.attackVersion) → \(b.summary.attackVersion)" : nil
        thresholdChange =
            a.summary.threshold != b.summary.threshold ? "green threshold rating ≥ \(a.summary.threshold) → ≥ \(b.summary.threshold)" : nil
        var delta: [String: Int] = [:]
        for s in CoverageStatus.allCases { delta[s.rawValue] = b.summary.counts[s] - a.summary.counts[s] }
        statusDelta = delta

        // Rules, by source and id.
        let oldRules = Dictionary(a.rules.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let newRules = Dictionary(b.rules.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var ruleChanges: [RuleChange] = []
        for (key, r) in newRules where oldRules[key] == nil {
            ruleChanges.append(Self.change(r, "added", "new rule (\(r.verdict.source.rawValue), rating \(r.verdict.rating))"))
        }
        for (key, r) in oldRules where newRules[key] == nil {
            ruleChanges.append(Self.change(r, "removed", "rule gone (\(r.verdict.source.rawValue), was rating \(r.verdict.rating))"))
        }
        for (key, new) in newRules {
            guard let old = oldRules[key] else { continue }
            if old.verdict.rating != new.verdict.rating {
                ruleChanges.append(Self.change(new, "re-rated", "rating \(old.verdict.rating) → \(new.verdict.rating)"))
            } else if old.verdict.logsCollected != new.verdict.logsCollected {
                ruleChanges.append(
                    Self.change(new, "logs", new.verdict.logsCollected ? "its logs are now collected" : "its logs are no longer collected"))
            } else if old.contentHash != new.contentHash || old.verdict.techniques != new.verdict.techniques {
                let moved = Set(old.verdict.techniques).symmetricDifference(new.verdict.techniques)
                ruleChanges.append(
                    Self.change(
                        new, "edited",
                        moved.isEmpty
                            ? "content changed"
                            : "techniques \(old.verdict.techniques.joined(separator: ",")) → \(new.verdict.techniques.joined(separator: ","))"
                    ))
                if !moved.isEmpty { ruleChanges[ruleChanges.count - 1].techniques = Array(moved).sorted() }
            }
        }
        ruleChanges.sort { ($0.change, $0.key) < ($1.change, $1.key) }
        rules = ruleChanges

        // Log sources, by name.
        let oldSources = Dictionary(a.logSources.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newSources = Dictionary(b.logSources.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var sourceChanges: [LogSourceChange] = []
        for (name, s) in newSources where oldSources[name] == nil {
            sourceChanges.append(LogSourceChange(name: name, change: "added", dataComponents: s.dataComponents))
        }
        for (name, s) in oldSources where newSources[name] == nil {
            sourceChanges.append(LogSourceChange(name: name, change: "removed", dataComponents: s.dataComponents))
        }
        for (name, new) in newSources {
            guard let old = oldSources[name], old != new else { continue }
            let dcs = Set(old.dataComponents).symmetricDifference(new.dataComponents)
            sourceChanges.append(LogSourceChange(name: name, change: "changed", dataComponents: Array(dcs).sorted()))
        }
        sourceChanges.sort { ($0.change, $0.name) < ($1.change, $1.name) }
        logSources = sourceChanges

        // Techniques that changed colour, each with the causes that touch it.
        let oldTechniques = Dictionary(a.techniques.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let newTechniques = Dictionary(b.techniques.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var changes: [TechniqueChange] = []
        for id in Set(oldTechniques.keys).union(newTechniques.keys).sorted() {
            let old = oldTechniques[id]
            let new = newTechniques[id]
            guard old?.status != new?.status else { continue }
            var why: [String] = []
            if old == nil {
                why.append("new in \(attackUpgrade ?? "ATT&CK \(b.summary.attackVersion)")")
            } else if new == nil {
                why.append("no longer in ATT&CK \(b.summary.attackVersion) (revoked, deprecated or renumbered)")
            }
            for r in ruleChanges where r.techniques.contains(id) { why.append("rule \(r.change): \(r.title) — \(r.detail)") }
            let needed = Set(((old?.visibility?.needed ?? []) + (new?.visibility?.needed ?? [])).map { $0.lowercased() })
            for s in sourceChanges {
                let touching = s.dataComponents.filter { needed.contains($0.lowercased()) }
                if !touching.isEmpty {
                    why.append("log source \(s.change): \(s.name) (\(touching.joined(separator: ", ")))")
                }
            }
            let oldActors = Set(old?.actors ?? [])
            let newActors = Set(new?.actors ?? [])
            if oldActors != newActors { why.append("actor selection changed (\(oldActors.count) → \(newActors.count) actors)") }
            if (old?.accepted == nil) != (new?.accepted == nil) {
                why.append(new?.accepted == nil ? "risk acceptance withdrawn" : "risk accepted")
            }
            if let t = thresholdChange { why.append(t) }
            if let u = attackUpgrade, old != nil, new != nil { why.append(u + " (data components or analytics may differ)") }
            if let reasons = new?.reasons, !reasons.isEmpty { why.append("now: " + reasons.joined(separator: "; ")) }
            changes.append(
                TechniqueChange(
                    id: id, name: new?.name ?? old?.name ?? "", from: old?.status, to: new?.status,
                    detectionScore: [old?.detectionScore ?? 0, new?.detectionScore ?? 0],
                    visibilityScore: [old?.visibility?.score ?? 0, new?.visibility?.score ?? 0], why: why))
        }
        techniques = changes
        validation = Self.validationChanges(a, b, old: oldTechniques, new: newTechniques, rules: ruleChanges)
        assets = Self.assetChanges(a, b, old: oldTechniques, new: newTechniques)
    }

    /// Assets by name: definitions that changed, and for assets on both sides the techniques whose status there changed.
    static func assetChanges(_ a: Snapshot, _ b: Snapshot, old: [String: TechniqueCoverage], new: [String: TechniqueCoverage])
        -> [AssetChange]
    {
        func definitions(_ s: Snapshot) -> [String: Asset] {
            Dictionary((s.plan?.assets ?? []).map { ($0.asset.name, $0.asset) }, uniquingKeysWith: { first, _ in first })
        }
        func statuses(_ techniques: [String: TechniqueCoverage]) -> [String: [String: CoverageStatus]] {
            var result: [String: [String: CoverageStatus]] = [:]
            for (id, t) in techniques { for s in t.assets ?? [] { result[s.asset, default: [:]][id] = s.status } }
            return result
        }
        let (before, after) = (definitions(a), definitions(b))
        let (was, now) = (statuses(old), statuses(new))
        var result: [AssetChange] = []
        for name in Set(was.keys).union(now.keys).union(before.keys).union(after.keys).sorted() {
            let (x, y) = (before[name], after[name])
            if was[name] == nil || now[name] == nil {
                // Added or removed as a whole: its techniques are counted, not listed.
                let present = now[name] ?? was[name] ?? [:]
                let exposed = present.values.count { $0 == .red || $0 == .yellow }
                let added = now[name] != nil
                let what =
                    (y ?? x).map { "value \($0.value)" + ($0.holds.isEmpty ? "" : ", holds \($0.holds.joined(separator: ", "))") } ?? ""
                result.append(
                    AssetChange(
                        asset: name, change: added ? "added" : "removed",
                        detail: [what, "\(exposed) red or yellow techniques \(added ? "on it now" : "were on it")"].filter { !$0.isEmpty }
                            .joined(separator: "; "),
                        techniques: []))
                continue
            }
            var details: [String] = []
            if let x, let y {
                if x.value != y.value { details.append("value \(x.value) → \(y.value)") }
                let (gained, lost) = (Set(y.holds).subtracting(x.holds), Set(x.holds).subtracting(y.holds))
                if !gained.isEmpty || !lost.isEmpty {
                    details.append(
                        "holds " + (gained.sorted().map { "+" + $0 } + lost.sorted().map { "−" + $0 }).joined(separator: " "))
                }
                let (joined, left) = (Set(y.systems).subtracting(x.systems), Set(x.systems).subtracting(y.systems))
                if !joined.isEmpty || !left.isEmpty {
                    details.append("systems " + (joined.sorted().map { "+" + $0 } + left.sorted().map { "−" + $0 }).joined(separator: ", "))
                }
            }
            let (p, q) = (was[name] ?? [:], now[name] ?? [:])
            var moved: [String] = []
            for id in Set(p.keys).union(q.keys).sorted() where p[id] != q[id] {
                moved.append("\(id) \(p[id]?.rawValue ?? "—") → \(q[id]?.rawValue ?? "—")")
            }
            guard !details.isEmpty || !moved.isEmpty else { continue }
            if !moved.isEmpty { details.append("\(moved.count) techniques changed status on it") }
            result.append(
                AssetChange(
                    asset: name, change: details.count > (moved.isEmpty ? 0 : 1) ? "changed" : "status",
                    detail: details.joined(separator: "; "), techniques: moved))
        }
        return result
    }

    /// Techniques whose validation outcome changed where either side is validated or missed, with the evidence.
    static func validationChanges(
        _ a: Snapshot, _ b: Snapshot, old: [String: TechniqueCoverage], new: [String: TechniqueCoverage], rules: [RuleChange]
    ) -> [ValidationChange] {
        let proving: Set<ValidationOutcome> = [.validated, .missed]
        var result: [ValidationChange] = []
        for id in Set(old.keys).union(new.keys).sorted() {
            let before = old[id]?.validation
            let after = new[id]?.validation
            guard before?.outcome != after?.outcome,
                proving.contains(before?.outcome ?? .untested) || proving.contains(after?.outcome ?? .untested)
            else { continue }
            var why: [String] = []
            if let after {
                why.append(after.reason)
                for e in after.evidence.prefix(5) where e.rule < b.rules.count {
                    why.append(
                        "fired: \(b.rules[e.rule].verdict.title) on \(e.file) line \(e.line)" + (e.recordID.map { " (record \($0))" } ?? "")
                            + (e.timestamp.map { " at \($0)" } ?? ""))
                }
                for r in after.expected.prefix(5) where r < b.rules.count {
                    why.append("expected to fire, did not: \(b.rules[r].verdict.title)")
                }
                let added = Set(after.simulations).subtracting(before?.simulations ?? [])
                if !added.isEmpty, before != nil { why.append("new simulations: " + added.sorted().prefix(3).joined(separator: ", ")) }
            } else {
                why.append("not validated in \(b.summary.name) (run without --validate)")
            }
            if let before, let after, before.simulations.count > after.simulations.count {
                let gone = Set(before.simulations).subtracting(after.simulations)
                why.append("simulations gone: " + gone.sorted().prefix(3).joined(separator: ", "))
            }
            for r in rules where r.techniques.contains(id) { why.append("rule \(r.change): \(r.title) — \(r.detail)") }
            result.append(
                ValidationChange(id: id, name: new[id]?.name ?? old[id]?.name ?? "", from: before?.outcome, to: after?.outcome, why: why))
        }
        return result
    }

    static func change(_ r: StoredRule, _ kind: String, _ detail: String) -> RuleChange {
        RuleChange(key: r.key, title: r.verdict.title, path: r.verdict.path, change: kind, detail: detail, techniques: r.verdict.techniques)
    }

    /// A readable report for the terminal.
    public var text: String {
        var out =
            "\(from.name) (\(from.createdAt), \(from.greenPercent)% green) → \(to.name) (\(to.createdAt), \(to.greenPercent)% green)\n"
        if let u = attackUpgrade { out += u + "\n" }
        if let t = thresholdChange { out += t + "\n" }
        let delta = CoverageStatus.allCases.map { s in
            let d = statusDelta[s.rawValue] ?? 0
            return "\(s.rawValue) \(d >= 0 ? "+" : "")\(d)"
        }
        out += delta.joined(separator: ", ") + "\n"
        out += "\nTechniques that changed colour: \(techniques.count)\n"
        for t in techniques {
            out += "  \(t.id) \(t.name): \(t.from?.rawValue ?? "—") → \(t.to?.rawValue ?? "—")\n"
            for w in t.why { out += "      \(w)\n" }
        }
        if !validation.isEmpty || from.validation != nil || to.validation != nil {
            func counts(_ v: ValidationCounts?) -> String {
                v.map { "\($0.greenValidated) of \($0.green) green validated, \($0.missed) missed" } ?? "not validated"
            }
            out += "\nValidation: \(counts(from.validation)) → \(counts(to.validation)); techniques that changed: \(validation.count)\n"
            for v in validation {
                out += "  \(v.id) \(v.name): \(v.from?.rawValue ?? "—") → \(v.to?.rawValue ?? "—")\n"
                for w in v.why { out += "      \(w)\n" }
            }
        }
        if !assets.isEmpty {
            out += "\nAssets that changed: \(assets.count)\n"
            for c in assets {
                out += "  \(c.change): \(c.asset) — \(c.detail)\n"
                for t in c.techniques.prefix(25) { out += "      \(t)\n" }
                if c.techniques.count > 25 { out += "      … and \(c.techniques.count - 25) more (--format json lists all)\n" }
            }
        }
        out +=
            "\nRules added: \(rulesAdded.count), removed: \(rulesRemoved.count), changed: \(rules.count - rulesAdded.count - rulesRemoved.count)\n"
        for r in rules { out += "  \(r.change): \(r.title) [\(r.key)] \(r.path) — \(r.detail)\n" }
        out +=
            "\nLog sources added: \(logSources.count { $0.change == "added" }), removed: \(logSources.count { $0.change == "removed" })\n"
        for s in logSources { out += "  \(s.change): \(s.name) (\(s.dataComponents.joined(separator: ", ")))\n" }
        return out
    }
}
