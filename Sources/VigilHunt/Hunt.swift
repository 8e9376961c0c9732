// `vigil hunt`'s work: a rule set run over log files on the one event stream (VigilLogs' parallel fold),
// detections handed out in input order as batches finish, correlations evaluated at the end.
import VigilCore
import VigilLogs
import VigilSigma

/// What a hunt found besides the detections it handed out.
public struct HuntResult: Sendable {
    /// Reported detections per rule (index into the rule set's `rules`).
    public var hitsPerRule: [Int]
    public var correlationHits: [CorrelationHit]
    public var correlator: Correlator
    /// Running rules that met no event of their logsource in these logs, by logsource.
    public var logsourcesWithoutEvents: [(logsource: SigmaLogsource, rules: [Int])]
}

public enum Hunt {
    /// Runs `ruleSet` over `files` with `threads` workers; `onDetections` receives each batch's detections on
    /// the calling thread, in file and record order. `collectFields` copies each matched event's fields into
    /// its detection. Counts and problems of the pass go to `report`. `contexts`, when given, is the pass's own pool
    /// (one borrowing from a longer-lived pool, for many passes with the same rules); `idleLogsources` false leaves
    /// out the result's logsources without events (the caller asks the pool's contexts itself).
    public static func run(
        _ files: [String], ruleSet: RuleSet, threads: Int = 2, collectFields: Bool = true, sources: JSONSources = .builtin,
        contexts: MatchContextPool? = nil, idleLogsources: Bool = true, report: inout EventStreamReport,
        onProgress: ((EventStreamProgress) -> Void)? = nil, onDetections: ([Detection]) -> Void
    ) -> HuntResult {
        let correlator = Correlator(correlations: ruleSet.correlations, rules: ruleSet.rules, mapping: ruleSet.mapping)
        let contexts = contexts ?? MatchContextPool(ruleSet: ruleSet)
        var hits = [Int](repeating: 0, count: ruleSet.rules.count)
        EventStream.fold(
            files, threads: threads, sources: sources, report: &report,
            partial: { HuntBatch(context: contexts.take()) },
            add: { batch, event, origin in
                ruleSet.detect(event, context: batch.context, correlator: correlator) { rule in
                    batch.detections.append(
                        Detection(rule: rule, location: EventLocation(event, origin), fields: collectFields ? event.fields() : []))
                }
            },
            merge: { batch in
                contexts.give(batch.context)
                for d in batch.detections { hits[d.rule] += 1 }
                if !batch.detections.isEmpty { onDetections(batch.detections) }
            }, onProgress: onProgress)
        return HuntResult(
            hitsPerRule: hits, correlationHits: correlator.evaluate(), correlator: correlator,
            logsourcesWithoutEvents: idleLogsources ? ruleSet.logsourcesWithoutEvents(contexts.contexts) : [])
    }
}

/// One batch's detections. Unchecked because of the `MatchContext` (a non-Sendable class): a batch is used by
/// one thread at a time, first the worker that fills it, then the caller that merges it.
struct HuntBatch: @unchecked Sendable {
    let context: MatchContext
    var detections: [Detection] = []
}
