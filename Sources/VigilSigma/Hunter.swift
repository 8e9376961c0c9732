// Running a RuleSet over batches of JSON events on all cores: the reader submits batches while worker
// threads match earlier ones, each with its own context; detections come back in input order.
import Dispatch
import VigilCore

/// One rule firing on one event.
public struct Detection: Sendable {
    public var rule: Int
    public var file: String
    /// Line of the event in its file (EVTX: the EventRecordID).
    public var line: Int
    public var timestamp: String?
    public var computer: String?
    public var channel: String?
    public var eventID: String?
    public var recordID: String?
    /// The event's fields (name, value), when collected.
    public var fields: [(name: String, value: String)]

    public init(
        rule: Int, file: String, line: Int, timestamp: String? = nil, computer: String? = nil, channel: String? = nil,
        eventID: String? = nil, recordID: String? = nil, fields: [(name: String, value: String)] = []
    ) {
        self.rule = rule
        self.file = file
        self.line = line
        self.timestamp = timestamp
        self.computer = computer
        self.channel = channel
        self.eventID = eventID
        self.recordID = recordID
        self.fields = fields
    }
}

/// Consumes event batches from one producer; `submit` blocks while `threads` batches are in flight.
public final class Hunter: @unchecked Sendable {
    public let ruleSet: RuleSet
    public let threads: Int
    /// Copy each matched event's fields into its detection (off for pure counting).
    public let collectFields: Bool
    /// Correlation rules over the rule set's detections; evaluate at the end with `correlator.evaluate()`.
    public let correlator: Correlator
    private let lock = NSLockLike()
    private let slots: DispatchSemaphore
    private let group = DispatchGroup()
    private var idle: [(MatchContext, JSONTape)]
    private var submitted = 0
    private var nextToDeliver = 0
    private var finished: [Int: [Detection]] = [:]
    public private(set) var hitsPerRule: [Int]
    public private(set) var events = 0
    public private(set) var badEvents = 0
    public private(set) var diagnostics: [Diagnostic] = []

    public init(ruleSet: RuleSet, threads: Int = 2, collectFields: Bool = true) {
        self.ruleSet = ruleSet
        self.threads = max(1, threads)
        self.collectFields = collectFields
        slots = DispatchSemaphore(value: max(1, threads))
        idle = (0..<max(1, threads)).map { _ in (MatchContext(ruleSet: ruleSet), JSONTape()) }
        hitsPerRule = Array(repeating: 0, count: ruleSet.rules.count)
        correlator = Correlator(correlations: ruleSet.correlations, rules: ruleSet.rules, mapping: ruleSet.mapping)
    }

    /// Queues a batch for matching; returns once a worker is free to take it.
    public func submit(_ batch: EventBatch) {
        slots.wait()
        let sequence = submitted
        submitted += 1
        DispatchQueue.global().async(group: group) { [self] in
            let (context, tape) = lock.withLock { idle.removeLast() }
            var t = tape
            let found = run(batch, context: context, tape: &t)
            lock.withLock {
                idle.append((context, t))
                finished[sequence] = found
            }
            slots.signal()
        }
    }

    /// Waits for every submitted batch.
    public func finish() { group.wait() }

    /// Matches one batch on the calling thread (tests, simple callers).
    public func process(_ batch: EventBatch) {
        submit(batch)
        finish()
    }

    /// Detections of the batches finished so far, in submission order.
    public func drainDetections() -> [Detection] {
        lock.withLock {
            var out: [Detection] = []
            while let next = finished.removeValue(forKey: nextToDeliver) {
                out += next
                nextToDeliver += 1
            }
            return out
        }
    }

    private func run(_ batch: EventBatch, context ctx: MatchContext, tape: inout JSONTape) -> [Detection] {
        var local: [Detection] = []
        var bad: [Diagnostic] = []
        var seen = 0
        batch.forEachEvent(tape: &tape) { diagnostic in
            bad.append(diagnostic())
        } _: { event, line in
            seen += 1
            ruleSet.match(event, context: ctx) { rule in
                if correlator.uses(rule: rule) {
                    correlator.observe(rule: rule, ruleName: ruleSet.rules[rule].name, event: event)
                    if correlator.suppressed.contains(rule) { return }
                }
                local.append(
                    Detection(
                        rule: rule, file: batch.file, line: line, timestamp: event.timestamp, computer: event.computer,
                        channel: event.channel, eventID: event.eventID, recordID: event.recordID,
                        fields: collectFields ? event.fields() : []))
            }
        }
        lock.withLock {
            events += seen
            badEvents += bad.count
            if diagnostics.count < 1000 { diagnostics += bad.prefix(1000 - diagnostics.count) }
            for d in local { hitsPerRule[d.rule] += 1 }
        }
        return local
    }
}
