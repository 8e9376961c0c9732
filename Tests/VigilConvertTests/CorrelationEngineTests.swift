// Correlation rules as SQL window queries, run on DuckDB, ClickHouse (chdb) and Spark (pyspark): `vigil hunt
// --engine` must report exactly the firings `vigil hunt` reports over the same logs (group, first and last time,
// value), for every correlation type, aliases, ranges and `generate`. Plus the exact query text and the refusals.
import Foundation
import Testing
import VigilConvert
import VigilCore
import VigilEngines
import VigilSigma
import VigilTestSupport

@Suite(.serialized) struct CorrelationEngineTests {
    /// Two base rules and a correlation of each type over them (Sysmon process creation and network events,
    /// and the Security 5156 events the network_connection logsource also maps to).
    static let rules = """
        title: Process created
        id: 8a1f0a10-0000-4000-8000-000000000001
        name: proc
        status: test
        level: low
        logsource: {product: windows, category: process_creation}
        detection:
          sel:
            Image|endswith: '.exe'
          condition: sel
        ---
        title: Network connection
        id: 8a1f0a10-0000-4000-8000-000000000002
        name: net
        status: test
        level: low
        logsource: {product: windows, category: network_connection}
        detection:
          sel:
            DestinationPort|exists: true
          condition: sel
        ---
        title: Burst of processes per user
        id: 8a1f0a10-0000-4000-8000-000000000010
        name: burst
        status: test
        level: high
        correlation:
          type: event_count
          rules: [proc]
          group-by: [Computer, User]
          timespan: 1m
          condition: {gte: 5}
        ---
        title: Many images per parent
        id: 8a1f0a10-0000-4000-8000-000000000011
        correlation:
          type: value_count
          rules: [proc]
          group-by: [ParentImage]
          timespan: 5m
          condition: {field: Image, gte: 3}
        ---
        title: Process then network
        id: 8a1f0a10-0000-4000-8000-000000000012
        correlation:
          type: temporal
          rules: [proc, net]
          group-by: [Computer]
          timespan: 2m
        ---
        title: Process then network, in order
        id: 8a1f0a10-0000-4000-8000-000000000013
        correlation:
          type: temporal_ordered
          rules: [proc, net]
          group-by: [Computer]
          timespan: 2m
        ---
        title: Port sum
        id: 8a1f0a10-0000-4000-8000-000000000014
        correlation:
          type: value_sum
          rules: [net]
          group-by: [Computer]
          timespan: 10m
          condition: {field: DestinationPort, gte: 1000}
        ---
        title: Port average in a range
        id: 8a1f0a10-0000-4000-8000-000000000015
        correlation:
          type: value_avg
          rules: [net]
          group-by: [Image]
          timespan: 10m
          condition: {field: DestinationPort, gt: 100, lte: 5000}
        ---
        title: Port percentile
        id: 8a1f0a10-0000-4000-8000-000000000016
        correlation:
          type: value_percentile
          rules: [net]
          group-by: [Computer]
          timespan: 10m
          condition: {field: DestinationPort, percentile: 90, gte: 443}
        ---
        title: Few processes (range)
        id: 8a1f0a10-0000-4000-8000-000000000017
        correlation:
          type: event_count
          rules: [proc]
          timespan: 30s
          condition: {gte: 2, lt: 4}
        ---
        title: Aliased host
        id: 8a1f0a10-0000-4000-8000-000000000018
        correlation:
          type: temporal
          rules: [proc, net]
          group-by: [pid]
          aliases:
            pid:
              proc: ProcessId
              net: ProcessId
          timespan: 10m

        ---
        title: Repeated bursts on a host
        id: 8a1f0a10-0000-4000-8000-000000000019
        correlation:
          type: event_count
          rules: [burst]
          group-by: [Computer]
          timespan: 1h
          condition: {gte: 2}
        """

    static let data: Result<EngineCase, Error> = Result {
        let folder = ConvertFixtures.temporaryFolder()
        try rules.write(toFile: folder + "/correlations.yml", atomically: true, encoding: .utf8)
        let logs = try [
            "aptsimulator_cobaltstrike_2021-06-11T21081492.json.gz", "covenant_psremoting_command_2020-08-06115603.json.gz",
            "empire_launcher_vbs_2020-09-04160940.json.gz",
        ].map { try SharedData.path("logs/sysmon-json/" + $0) }
        return try EngineCase(logs: logs, rules: [folder + "/correlations.yml"])
    }

    /// Correlation firings in hunt's JSON lines (rows of kind "correlation"), as sorted lines with every key:
    /// id, type, first, last, group, value.
    static func firings(_ jsonl: String) -> [String] {
        jsonl.split(separator: "\n").compactMap { line -> String? in
            guard let row = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                row["kind"] as? String == "correlation",
                let fields = row["fields"] as? [String: String]
            else { return nil }
            let id = row["rule_id"] as? String ?? ""
            let group = (fields["group"] ?? "").split(separator: ",").map { "\"\($0)\"" }.joined(separator: ",")
            return "{\"correlation_id\":\"\(id)\",\"type\":\"\(fields["type"] ?? "")\",\"first\":\"\(fields["first"] ?? "")\","
                + "\"last\":\"\(fields["last"] ?? "")\",\"group\":[\(group)],\"value\":\(fields["value"] ?? "")}"
        }.sorted()
    }

    @Test func localFiringsCoverEveryTypeAndRepeatedFirings() throws {
        let local = Self.firings(try Self.data.get().localLines)
        for type in CorrelationType.allCases {
            #expect(
                local.contains { $0.contains("\"type\":\"\(type.rawValue)\"") },
                "no firing of \(type.rawValue): the test would prove nothing")
        }
        // A group firing more than once exercises the choice of the next window after a firing.
        let groups = local.map { line in
            line.replacingOccurrences(of: #""first":"[^"]*","last":"[^"]*","#, with: "", options: .regularExpression)
        }
        .map { $0.replacingOccurrences(of: #","value":.*$"#, with: "", options: .regularExpression) }
        #expect(Set(groups).count < groups.count)
        // Firings are named by their rule's id (rows of kind correlation carry rule_id, not the title).
        let repeatedBursts = "\"correlation_id\":\"8a1f0a10-0000-4000-8000-000000000019\""
        let aliasedHost = "\"correlation_id\":\"8a1f0a10-0000-4000-8000-000000000018\""
        // A correlation of a correlation's firings ("Repeated bursts on a host", run by Vigil's correlator over the
        // engine's events).
        #expect(local.contains { $0.contains(repeatedBursts) })
        // Aliases: the group of "Aliased host" is a process id read from ProcessId in both rules.
        #expect(local.contains { $0.contains(aliasedHost) && $0.contains("\"group\":[\"5424\"]") })
    }

    @Test(arguments: Engines.all) func sameFiringsAsLocalHunt(_ engine: String) throws {
        let data = try Self.data.get()
        let run = try EngineHuntCLITests.hunt(engine, data)
        #expect(run.status == 1, "\(run.stderr.suffix(2000))")
        #expect(run.stderr.contains("correlations: 10 run, 0 skipped"), "\(run.stderr.suffix(2000))")
        let expected = Self.firings(data.localLines)
        let found = Self.firings(run.stdout)
        #expect(found.count == expected.count)
        #expect(
            found == expected,
            "missing \(Set(expected).subtracting(found).sorted().prefix(3)); extra \(Set(found).subtracting(expected).sorted().prefix(3))")
        // The base rules feed correlations without `generate`: no stand-alone detections, here as locally.
        #expect(try EngineHuntCLITests.detections(run.stdout) == EngineHuntCLITests.detections(data.localLines))
    }
}

@Suite struct CorrelationSQLTests {
    static let base = """
        title: a
        name: a
        logsource: {product: windows, category: process_creation}
        detection:
          s:
            Image|endswith: '\\x.exe'
          condition: s
        ---
        title: b
        name: b
        logsource: {product: windows, category: process_creation}
        detection:
          s:
            Image|endswith: '\\y.exe'
          condition: s
        ---

        """

    static func convert(_ correlation: String, _ target: ConversionTarget, layout: String = "flat") -> CorrelationConversion {
        let (documents, diagnostics) = RuleParser().parse(bytes: Array((base + correlation).utf8), file: "c.yml")
        precondition(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
        let loaded = RuleCollection(documents: documents)
        let (rules, correlations) = (loaded.rules, loaded.correlations)
        let converter = Converter(target: target, layout: FieldLayout.named(layout)!)
        return converter.convert(correlations: correlations, rules: rules, conversions: converter.convert(rules)).last!
    }

    static let count = """
        title: c
        name: c
        correlation:
          type: event_count
          rules: [a, b]
          group-by: [User]
          timespan: 5m
          condition: {gte: 3, lt: 10}

        """

    @Test func eventCountExactText() {
        #expect(
            Self.convert(Self.count, .duckdb).query
                == "WITH vigil_matches AS (SELECT coalesce(TRY_CAST(\"vigil_time\" AS DOUBLE), 0) AS vigil_t, coalesce(\"User\", '') AS vigil_g0, 0 AS vigil_ref FROM \"events\" WHERE "
                + "(lower(\"Channel\") = 'microsoft-windows-sysmon/operational' AND \"EventID\" IN ('1') AND ends_with(lower(\"Image\"), '\\x.exe')) "
                + "OR (lower(\"Channel\") = 'security' AND \"EventID\" IN ('4688') AND ends_with(lower(\"NewProcessName\"), '\\x.exe'))"
                + " UNION ALL "
                + "SELECT coalesce(TRY_CAST(\"vigil_time\" AS DOUBLE), 0) AS vigil_t, coalesce(\"User\", '') AS vigil_g0, 1 AS vigil_ref FROM \"events\" WHERE "
                + "(lower(\"Channel\") = 'microsoft-windows-sysmon/operational' AND \"EventID\" IN ('1') AND ends_with(lower(\"Image\"), '\\y.exe')) "
                + "OR (lower(\"Channel\") = 'security' AND \"EventID\" IN ('4688') AND ends_with(lower(\"NewProcessName\"), '\\y.exe'))"
                + ") "
                + "SELECT DISTINCT vigil_g0, vigil_first, vigil_last, vigil_value FROM (SELECT vigil_g0, vigil_t AS vigil_first, max(vigil_t) OVER w AS vigil_last, "
                + "count(*) OVER w AS vigil_value FROM vigil_matches WINDOW w AS (PARTITION BY vigil_g0 ORDER BY vigil_t RANGE BETWEEN CURRENT ROW AND 300 FOLLOWING)) "
                + "vigil_windows WHERE vigil_value >= 3 AND vigil_value < 10 ORDER BY vigil_g0, vigil_first")
    }

    @Test func measuresPerDialect() {
        let percentile = """
            title: p
            correlation:
              type: value_percentile
              rules: [a]
              group-by: [Computer]
              timespan: 1h
              condition: {field: ProcessId, percentile: 90, gte: 4}

            """
        let ordered = """
            title: o
            correlation:
              type: temporal_ordered
              rules: [a, b]
              timespan: 30s

            """
        #expect(
            Self.convert(percentile, .spark).query?.contains(
                "CASE WHEN count(vigil_v) OVER w > 0 THEN element_at(array_sort(collect_list(vigil_v) OVER w), CAST(floor(90 / 100.0 * ((count(vigil_v) OVER w) - 1) + 0.5) AS INT) + 1) END AS vigil_value"
            ) == true)
        #expect(Self.convert(percentile, .clickhouse).query?.contains("toFloat64OrNull(`ProcessId`) AS vigil_v") == true)
        #expect(Self.convert(percentile, .clickhouse).query?.contains("WHERE vigil_n > 0 AND vigil_value >= 4") == true)
        #expect(
            Self.convert(ordered, .clickhouse).query?.contains(
                "arrayFold((acc, r) -> if(r = acc, acc + 1, acc), arrayMap(s -> s.2, arraySort(groupArray((vigil_t, vigil_ref)) OVER w)), toInt64(0)) AS vigil_value"
            ) == true)
        // No group-by: one window sequence over all events; temporal_ordered needs every rule, in order.
        #expect(
            Self.convert(ordered, .duckdb).query?.contains("WINDOW w AS (ORDER BY vigil_t RANGE BETWEEN CURRENT ROW AND 30 FOLLOWING)")
                == true)
        #expect(Self.convert(ordered, .duckdb).query?.contains("WHERE vigil_value >= 2") == true)
    }

    @Test(arguments: [ConversionTarget.splunk, .lucene, .kql, .esql]) func siemTargetsRefuseWithTheReason(_ target: ConversionTarget) {
        let c = Self.convert(Self.count, target)
        #expect(c.query == nil)
        #expect(c.refusal?.contains("correlations are converted for the SQL targets only") == true)
    }

    @Test func refusalsNameTheCause() {
        let chained =
            Self.count + """
                ---
                title: outer
                correlation:
                  type: event_count
                  rules: [c]
                  timespan: 1h
                  condition: {gte: 2}

                """
        #expect(Self.convert(chained, .duckdb).refusal?.contains("correlates the firings of correlation 'c'") == true)
        let unknown = Self.count.replacingOccurrences(of: "rules: [a, b]", with: "rules: [a, nosuch]")
        #expect(Self.convert(unknown, .duckdb).refusal?.contains("unknown rule 'nosuch'") == true)
        #expect(Self.convert(Self.count, .duckdb, layout: "evtx").refusal?.contains("names no time column") == true)
        // With a column list lacking the time column, the reason says which column.
        let (documents, _) = RuleParser().parse(bytes: Array((Self.base + Self.count).utf8), file: "c.yml")
        let loaded = RuleCollection(documents: documents)
        let (rules, correlations) = (loaded.rules, loaded.correlations)
        let converter = Converter(target: .spark, layout: FieldLayout.named("flat")!, columns: ["Channel", "EventID", "Image", "User"])
        let c = converter.convert(correlations: correlations, rules: rules, conversions: converter.convert(rules))
        #expect(c[0].refusal == "the table has no time column vigil_time (`vigil export` writes it)")
    }

    @Test func firingsSkipWindowsInsideTheLastFiringsSpan() {
        let windows: [CorrelationWindows.Window] = [
            .init(group: ["u"], first: 0, last: 50, value: 3), .init(group: ["u"], first: 10, last: 50, value: 3),
            .init(group: ["u"], first: 60, last: 65, value: 3), .init(group: ["u"], first: 60.5, last: 70, value: 3),
            .init(group: ["v"], first: 5, last: 5, value: 1),
        ]
        let hits = CorrelationWindows.firings(windows, correlation: 0, timespan: 60)
        #expect(hits.map(\.group) == [["u"], ["u"], ["v"]])
        #expect(hits.map(\.firstTimestamp) == [0, 60.5, 5])
    }
}
