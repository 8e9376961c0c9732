// Running a RuleSet over batches of JSON events on all cores, producing detections with the
// event's header fields, and counting what could not be parsed.
import Dispatch
import VigilCore

/// One rule firing on one event.
public struct Detection: Sendable {
    public var rule: Int
    public var file: String
    public var line: Int
    public var timestamp: String?
    public var computer: String?
    public var channel: String?
    public var eventID: String?
    public var recordID: String?
    /// The event's fields (name, value), when collected.
    public var fields: [(name: String, value: String)]
}

/// Consumes event batches; thread-safe for one producer calling `process` at a time.
public final class Hunter: @unchecked Sendable {
    public let ruleSet: RuleSet
    public let threads: Int
    /// Copy each matched event's fields into its detection (off for pure counting).
    public let collectFields: Bool
    /// Only rules whose index is set here fire (nil: all).
    public let enabled: [Bool]?
    private var contexts: [MatchContext]
    private var tapes: [JSONTape]
    private let lock = NSLockLike()
    public private(set) var detections: [Detection] = []
    public private(set) var hitsPerRule: [Int]
    public private(set) var events = 0
    public private(set) var badEvents = 0
    public private(set) var diagnostics: [Diagnostic] = []

    public init(ruleSet: RuleSet, threads: Int = 2, collectFields: Bool = true, enabled: [Bool]? = nil) {
        self.ruleSet = ruleSet
        self.threads = max(1, threads)
        self.collectFields = collectFields
        self.enabled = enabled
        contexts = (0..<max(1, threads)).map { _ in MatchContext(ruleSet: ruleSet) }
        tapes = (0..<max(1, threads)).map { _ in JSONTape() }
        hitsPerRule = Array(repeating: 0, count: ruleSet.rules.count)
    }

    /// Detections found since the last call (so that output can stream).
    public func drainDetections() -> [Detection] {
        lock.withLock {
            let out = detections
            detections.removeAll(keepingCapacity: true)
            return out
        }
    }

    public func process(_ batch: EventBatch) {
        let count = batch.documents.count
        let workers = count < 64 ? 1 : threads
        let per = (count + workers - 1) / workers
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let range = (w * per)..<min(count, (w + 1) * per)
            run(batch, range, worker: w)
        }
    }

    private func run(_ batch: EventBatch, _ range: Range<Int>, worker w: Int) {
        let ctx = contexts[w]
        var tape = tapes[w]
        var local: [Detection] = []
        var localHits: [(Int, Int)] = []
        var bad: [Diagnostic] = []
        var seen = 0
        batch.bytes.withUnsafeBytes { all in
            for d in range {
                let span = batch.documents[d]
                let bytes = UnsafeRawBufferPointer(rebasing: all[span.start..<span.end])
                do throws(JSONSyntaxError) {
                    try tape.parseDocument(bytes)
                } catch {
                    bad.append(error.diagnostic(file: batch.file, bytes: bytes, baseLine: span.line))
                    continue
                }
                seen += 1
                tape.nodes.withUnsafeBufferPointer { nodes in
                    let event = Event(view: JSONView(tape: nodes, bytes: bytes))
                    ruleSet.match(event, context: ctx) { rule in
                        if let enabled, !enabled[rule] { return }
                        localHits.append((rule, 1))
                        local.append(
                            Detection(
                                rule: rule, file: batch.file, line: span.line, timestamp: event.timestamp, computer: event.computer,
                                channel: event.channel, eventID: event.eventID, recordID: event.recordID,
                                fields: collectFields ? event.fields() : []))
                    }
                }
            }
        }
        tapes[w] = tape
        lock.withLock {
            events += seen
            badEvents += bad.count
            if diagnostics.count < 1000 { diagnostics += bad.prefix(1000 - diagnostics.count) }
            for (rule, n) in localHits { hitsPerRule[rule] += n }
            detections += local
        }
    }
}
