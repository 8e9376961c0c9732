// Correlation rules evaluated over detections: each type, group-by, timespan, chaining and `generate`.
import Testing
import VigilCore
import VigilSigma

@Suite struct CorrelationTests {
    static let base = """
        title: failed logon
        name: failed
        logsource: {product: windows, service: security}
        detection:
          s:
            EventID: 4625
          condition: s
        ---
        title: logon
        name: success
        logsource: {product: windows, service: security}
        detection:
          s:
            EventID: 4624
          condition: s
        """

    /// `failed` then `success` for one user within a minute, in that order.
    static let failThenSuccess =
        Self.base + """

            ---
            title: fail then success
            correlation:
              type: temporal_ordered
              rules: [failed, success]
              group-by: [TargetUserName]
              timespan: 1m
            """

    /// Runs `yaml` over events `(eventID, user, ip, second)` and returns the correlation hits and plain detections.
    func run(_ yaml: String, _ events: [(Int, String, String, Int)]) -> (hits: [CorrelationHit], detections: Int) {
        let (documents, diagnostics) = RuleParser().parse(bytes: Array(yaml.utf8), file: "c.yml")
        precondition(diagnostics.isEmpty, "\(diagnostics)")
        let loaded = RuleCollection(documents: documents)
        let (rules, correlations) = (loaded.rules, loaded.correlations)
        let set = RuleSet(rules: rules, correlations: correlations)
        let correlator = Correlator(correlations: set.correlations, rules: set.rules, mapping: set.mapping)
        let context = MatchContext(ruleSet: set)
        var text = ""
        for (id, user, ip, second) in events {
            let minute = second / 60
            let s = second % 60
            text +=
                #"{"Channel":"Security","EventID":\#(id),"TargetUserName":"\#(user)","IpAddress":"\#(ip)","TimeCreated":"2024-01-01T10:\#(minute < 10 ? "0" : "")\#(minute):\#(s < 10 ? "0" : "")\#(s)Z"}"#
                + "\n"
        }
        let bytes = Array(text.utf8)
        var spans: [DocumentSpan] = []
        var start = 0
        var line = 1
        for (i, b) in bytes.enumerated() where b == 0x0A {
            spans.append(DocumentSpan(start: start, end: i, line: line))
            start = i + 1
            line += 1
        }
        var tape = JSONTape()
        var detections = 0
        EventBatch(file: "t", bytes: bytes, documents: spans).forEachEvent(tape: &tape) { _ in
        } _: { event, _ in
            set.detect(event, context: context, correlator: correlator) { _ in detections += 1 }
        }
        return (correlator.evaluate(), detections)
    }

    @Test func eventCountByGroupWithinTimespan() {
        let yaml =
            Self.base + """

                ---
                title: brute force
                correlation:
                  type: event_count
                  rules: [failed]
                  group-by: [TargetUserName]
                  timespan: 1m
                  condition:
                    gte: 3
                """
        let events = [
            (4625, "bob", "1", 0), (4625, "bob", "1", 10), (4625, "bob", "1", 20), (4625, "amy", "1", 21), (4625, "amy", "1", 100),
            (4625, "amy", "1", 200),
        ]
        let result = run(yaml, events)
        #expect(result.hits.count == 1)
        #expect(result.hits.first?.group == ["bob"])
        #expect(result.hits.first?.value == 3)
        // `failed` feeds a correlation that does not generate it: no stand-alone detections for it.
        #expect(result.detections == 0)
    }

    @Test func valueCountCountsDistinctValues() {
        let yaml =
            Self.base + """

                ---
                title: spray
                correlation:
                  type: value_count
                  rules: [failed]
                  group-by: [IpAddress]
                  timespan: 5m
                  condition:
                    field: TargetUserName
                    gt: 2
                """
        let hits = run(yaml, [(4625, "a", "9", 0), (4625, "a", "9", 1), (4625, "b", "9", 2), (4625, "c", "9", 3), (4625, "a", "8", 4)]).hits
        #expect(hits.map(\.group) == [["9"]])
        #expect(hits.first?.value == 3)
    }

    @Test func temporalAndOrdered() {
        let temporal = Self.failThenSuccess
        #expect(run(temporal, [(4625, "bob", "1", 0), (4624, "bob", "1", 5)]).hits.count == 1)
        #expect(run(temporal, [(4624, "bob", "1", 0), (4625, "bob", "1", 5)]).hits.isEmpty)
        #expect(run(temporal, [(4625, "bob", "1", 0), (4624, "bob", "1", 120)]).hits.isEmpty)
        let unordered = temporal.replacingOccurrences(of: "temporal_ordered", with: "temporal")
        #expect(run(unordered, [(4624, "bob", "1", 0), (4625, "bob", "1", 5)]).hits.count == 1)
    }

    @Test func windowsStartAtAnInstantWithAllItsEvents() {
        // Two failures in the same second, one more much later: "exactly one failure within a minute" holds only
        // for the later one; a window starting at the second event of the same instant would wrongly hold too.
        let single =
            Self.base + """

                ---
                title: lone failure
                correlation:
                  type: event_count
                  rules: [failed]
                  group-by: [TargetUserName]
                  timespan: 1m
                  condition:
                    gte: 1
                    lt: 2
                """
        let hits = run(single, [(4625, "bob", "1", 0), (4625, "bob", "1", 0), (4625, "bob", "1", 200)]).hits
        #expect(hits.count == 1)
        #expect(hits.first?.value == 1)
        #expect(hits.first.map { $0.lastTimestamp - $0.firstTimestamp } == 0)
        // In the same instant, rules count in their listed order: failed (4625) then success (4624).
        let ordered = Self.failThenSuccess
        #expect(run(ordered, [(4624, "bob", "1", 0), (4625, "bob", "1", 0)]).hits.count == 1)
    }

    @Test func chainedCorrelation() {
        let yaml =
            Self.base + """

                ---
                title: many failures
                name: many_failed
                correlation:
                  type: event_count
                  rules: [failed]
                  group-by: [TargetUserName]
                  timespan: 1m
                  condition:
                    gte: 2
                ---
                title: many failures then success
                correlation:
                  type: temporal_ordered
                  rules: [many_failed, success]
                  group-by: [TargetUserName]
                  timespan: 5m
                """
        let hits = run(yaml, [(4625, "bob", "1", 0), (4625, "bob", "1", 1), (4624, "bob", "1", 30), (4624, "amy", "1", 31)]).hits
        #expect(hits.count == 2)  // the inner firing and the chained one
        // The chain as engines see it: both correlations in it, the outer fed by the inner, and the rules each names.
        let (documents, _) = RuleParser().parse(bytes: Array(yaml.utf8), file: "c.yml")
        let loaded = RuleCollection(documents: documents)
        let (rules, correlations) = (loaded.rules, loaded.correlations)
        let correlator = Correlator(correlations: correlations, rules: rules)
        #expect(correlator.chains == [0, 1])
        #expect(correlator.fed(by: [0]) == [1])
        #expect(correlator.fed(by: [1]).isEmpty)
        #expect(correlator.ruleInputs(of: 0).map(\.rule) == [0])
        #expect(correlator.ruleInputs(of: 1).map(\.reference) == [1])  // `success`, second in its list
    }

    @Test func valueSum() {
        let yaml =
            Self.base + """

                ---
                title: sum
                correlation:
                  type: value_sum
                  rules: [failed]
                  group-by: [TargetUserName]
                  timespan: 1h
                  condition:
                    field: IpAddress
                    gte: 10
                """
        #expect(run(yaml, [(4625, "bob", "4", 0), (4625, "bob", "7", 1)]).hits.first?.value == 11)
        #expect(run(yaml, [(4625, "bob", "4", 0), (4625, "bob", "5", 1)]).hits.isEmpty)
    }
}
