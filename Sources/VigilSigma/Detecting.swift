// A rule set applied to one event as hunting reports it, and the match contexts that worker threads share.
import VigilCore

extension RuleSet {
    /// Calls `body` with each rule that fires on `event` and is reported: every match also feeds `correlator`,
    /// and a rule that only serves correlations (`generate: false`) is not reported on its own.
    public func detect(_ event: Event, context: MatchContext, correlator: Correlator, _ body: (Int) -> Void) {
        match(event, context: context) { rule in
            if correlator.uses(rule: rule) {
                correlator.observe(rule: rule, ruleName: rules[rule].name, event: event)
                if correlator.suppressed.contains(rule) { return }
            }
            body(rule)
        }
    }
}

/// Match contexts for worker threads: one is taken per batch and given back when the batch is merged, so
/// there are never more than the batches in flight.
/// A pool that borrows from a longer-lived one serves one pass among many (each file of a validation): its contexts
/// are the pass's own, and go back to the lender, compiled regexes and all, with `returnBorrowed`.
public final class MatchContextPool: @unchecked Sendable {
    private let ruleSet: RuleSet
    private let lender: MatchContextPool?
    private var idle: [MatchContext] = []
    private let lock = Lock()

    public init(ruleSet: RuleSet, borrowingFrom lender: MatchContextPool? = nil) {
        self.ruleSet = ruleSet
        self.lender = lender
    }

    public func take() -> MatchContext {
        if let own = lock.withLock({ idle.popLast() }) { return own }
        if let borrowed = lender?.lock.withLock({ lender?.idle.popLast() }) {
            borrowed.forgetSeen()
            return borrowed
        }
        return MatchContext(ruleSet: ruleSet)
    }

    /// Gives this pass's contexts to the pool they were borrowed from (nothing without a lender).
    public func returnBorrowed() {
        guard let lender else { return }
        let contexts = lock.withLock {
            defer { idle = [] }
            return idle
        }
        lender.lock.withLock { lender.idle += contexts }
    }

    public func give(_ context: MatchContext) { lock.withLock { idle.append(context) } }

    /// The contexts given back so far: after a pass, all of them.
    public var contexts: [MatchContext] { lock.withLock { idle } }
}

extension RuleSet {
    /// Running rules that no event of the pass could reach, by logsource: their logsource is mapped, but no
    /// event of its sources (channel and event ID) was in the logs. `contexts` are the pass's match contexts.
    public func logsourcesWithoutEvents(_ contexts: [MatchContext]) -> [(logsource: SigmaLogsource, rules: [Int])] {
        return Self.byLogsource(rulesWithoutEvents(contexts), rules)
    }

    /// Running rules that no event of the pass could reach (`logsourcesWithoutEvents` without the grouping).
    public func rulesWithoutEvents(_ contexts: [MatchContext]) -> [Int] {
        func seen(_ list: CandidateList) -> Bool { contexts.contains { $0.saw(list.seenSlot) } }
        let keysSeen = byChannelAndID.filter { seen($0.value) }.keys
        let channelsSeen = Set(byChannel.indices.filter { seen(byChannel[$0]) } + keysSeen.map { $0 >> 32 })
        let windows = seen(windowsFallback) || channelsSeen.contains { !channelIsNonWindows[$0] }
        let other = seen(nonWindows)
        func reached(_ scope: UnitScope) -> Bool {
            switch scope {
            case .anyEvent: return windows || other || !channelsSeen.isEmpty
            case .windowsEvents: return windows
            case .otherEvents: return other
            case .channel(let name, let ids):
                guard let c = self.channels.lookup(name).map(Int.init) else { return false }
                return ids.isEmpty ? channelsSeen.contains(c) : ids.contains { byChannelAndID[c << 32 | $0].map(seen) ?? false }
            }
        }
        let reachedScope = scopeTable.map(reached)
        return scopesByRule.compactMap { entry in entry.scopes.contains { reachedScope[$0] } ? nil : entry.rule }
    }

    /// Rules that cannot run because nothing maps their logsource.
    public var rulesWithoutMapping: [Int] { unmappedRules }

    /// Rules that cannot run because nothing maps their logsource, by logsource.
    public var unmappedLogsources: [(logsource: SigmaLogsource, rules: [Int])] {
        Self.byLogsource(unmappedRules, rules)
    }

    /// `indices` of `rules` grouped by logsource, rules in order, the largest group first (ties by logsource).
    static func byLogsource(_ indices: some Sequence<Int>, _ rules: [SigmaRule]) -> [(logsource: SigmaLogsource, rules: [Int])] {
        Dictionary(grouping: indices) { rules[$0].logsource }.map { ($0.key, $0.value.sorted()) }.sorted {
            $0.rules.count != $1.rules.count ? $0.rules.count > $1.rules.count : $0.logsource.description < $1.logsource.description
        }
    }
}
