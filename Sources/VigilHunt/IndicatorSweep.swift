// `vigil ioc`: an indicator sweep over EVTX and JSON logs, folded on worker threads with results in file
// order, and the tallies its summary reports.
import VigilCore
import VigilLogs

/// The hits of one batch of events, found on one worker and handed to the caller afterwards.
public struct IndicatorSweepBatch: @unchecked Sendable {
    // Unchecked because of the scratch buffers: a batch is used by one thread at a time, first the worker
    // that fills it, then the caller that reads it.
    public let matcher: IndicatorMatcher
    private let scratch = IndicatorScratch()
    public var hits: [IndicatorHit] = []
    /// The file of the batch's last event (for progress).
    public var file: String?

    public init(_ matcher: IndicatorMatcher) { self.matcher = matcher }

    public mutating func add(_ event: Event, _ origin: EventOrigin) {
        file = origin.file
        var location: EventLocation?
        var found: [IndicatorHit] = []
        matcher.scan(event, scratch) { indicator, name, v in
            if location == nil { location = EventLocation(event, origin) }
            found.append(
                IndicatorHit(
                    location: location!, field: JSONString.unescape(name), value: event.text(v) ?? "", indicator: Int(indicator)))
        }
        if !found.isEmpty { hits += found }
    }
}

/// Tallies for the summary at the end of a sweep.
public struct IndicatorSweepSummary: Sendable {
    public var hits = 0
    public var byLevel: [PyramidLevel: Int] = [:]
    /// Hits per indicator index.
    public var byIndicator: [Int: Int] = [:]
    /// Events with at least one hit.
    public var events = 0
    private var lastEvent: (file: String, line: Int)?

    public init() {}

    public mutating func count(_ hit: IndicatorHit, in set: IndicatorSet) {
        hits += 1
        byLevel[set.indicators[hit.indicator].level, default: 0] += 1
        byIndicator[hit.indicator, default: 0] += 1
        if lastEvent?.file != hit.file || lastEvent?.line != hit.line {
            events += 1
            lastEvent = (hit.file, hit.line)
        }
    }

    /// Indicators by hits, most first; ties in feed order.
    public var topIndicators: [(indicator: Int, hits: Int)] {
        byIndicator.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

extension IndicatorMatcher {
    /// Sweeps `files` on `threads` workers; `hits` gets each batch's hits in file order, with the batch's file.
    public func sweep(
        _ files: [String], threads: Int, report: inout EventStreamReport, _ hits: ([IndicatorHit], String?) -> Void
    ) {
        let matcher = self
        EventStream.fold(
            files, threads: threads, report: &report, partial: { IndicatorSweepBatch(matcher) },
            add: { batch, event, origin in batch.add(event, origin) }, merge: { hits($0.hits, $0.file) })
    }
}
