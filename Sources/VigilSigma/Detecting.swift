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
public final class MatchContextPool: @unchecked Sendable {
    private let ruleSet: RuleSet
    private var idle: [MatchContext] = []
    private let lock = Lock()

    public init(ruleSet: RuleSet) { self.ruleSet = ruleSet }

    public func take() -> MatchContext { lock.withLock { idle.popLast() } ?? MatchContext(ruleSet: ruleSet) }

    public func give(_ context: MatchContext) { lock.withLock { idle.append(context) } }
}
