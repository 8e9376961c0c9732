// Real events for checking converted queries against the local engine: the Sysmon/Security JSON logs read
// once, the local engine's verdict for every SigmaHQ Windows rule on each event, and a sample (every event
// some rule fires on, and every 256th other event) exported as `vigil export` writes rows, under the column
// names `vigil export --columns` lists. A target's test evaluates its query text on the rows with its own
// evaluator and must fire exactly where the local engine does.
import Testing
import VigilConvert
import VigilCore
import VigilExport
import VigilHunt
import VigilLogs
import VigilSigma
import VigilTestSupport

enum RealEvents {
    struct Sample: Sendable {
        /// Column → values (empty for JSON null; several for a list).
        var rows: [[String: [String]]]
        /// The rules that fire on each row, locally.
        var local: [Set<Int>]
        var origins: [String]
        var columns: [String]
        var activeRules: Set<Int>
        var eventsRead: Int
    }

    static let sample: Sample? = {
        guard SIEMRealRulesTests.folder != nil, let logs = try? SharedData.path("logs/sysmon-json") else { return nil }
        let collection = SIEMRealRulesTests.collection
        let ruleSet = RuleSet(rules: collection.rules, filters: collection.filters)
        let files = EventStream.files([logs]).files
        let flattener = EventFlattener()
        let context = MatchContext(ruleSet: ruleSet)
        var sample = Sample(rows: [], local: [], origins: [], columns: [], activeRules: Set(ruleSet.activeRules), eventsRead: 0)
        var canonical: [String: String] = [:]
        var report = EventStreamReport()
        EventStream.forEach(files, report: &report) { event, origin in
            sample.eventsRead += 1
            var local = Set<Int>()
            ruleSet.match(event, context: context) { local.insert($0) }
            let row = flattener.row(event, origin: origin)
            // First spelling of each column name wins, as in `vigil export --columns`.
            for c in row.columns where canonical[c.name.lowercased()] == nil {
                canonical[c.name.lowercased()] = c.name
                sample.columns.append(c.name)
            }
            guard !local.isEmpty || sample.eventsRead % 256 == 0 else { return }
            var values: [String: [String]] = [:]
            for c in row.columns {
                let name = canonical[c.name.lowercased()] ?? c.name
                switch c.value {
                case .text(let t): values[name] = [t]
                case .list(let items): values[name] = items
                case .null: values[name] = []
                }
            }
            sample.rows.append(values)
            sample.local.append(local)
            sample.origins.append("\(origin.file):\(origin.line)")
        }
        return sample
    }()

    /// Converts every rule for `target` (with the exported column list), evaluates each query with `evaluator`
    /// on the sampled rows and expects the local engine's verdicts, rule by rule and event by event.
    static func compare(_ target: ConversionTarget, evaluator: (String) throws -> ([String: [String]]) -> Bool) throws {
        let sample = try #require(Self.sample, "SigmaHQ rules or the sysmon-json logs not found under shared/")
        let collection = SIEMRealRulesTests.collection
        let converter = Converter(target: target, layout: FieldLayout.named("flat")!, columns: sample.columns, filters: collection.filters)
        var queries: [Int: ([String: [String]]) -> Bool] = [:]
        for c in converter.convert(collection.rules) where sample.activeRules.contains(c.rule) {
            guard let q = c.query else { continue }
            do { queries[c.rule] = try evaluator(q) } catch {
                Issue.record("\(collection.rules[c.rule].location.file): \(error): \(q.prefix(300))")
            }
        }
        var agreements = 0
        var firing = 0
        var mismatches: [String] = []
        for (k, row) in sample.rows.enumerated() {
            let local = sample.local[k].filter { queries[$0] != nil }
            var fired = Set<Int>()
            for (rule, matches) in queries where matches(row) { fired.insert(rule) }
            firing += local.isEmpty ? 0 : 1
            if fired == local {
                agreements += 1
            } else if mismatches.count < 20 {
                let extra = fired.subtracting(local).map { collection.rules[$0].title }
                let missing = local.subtracting(fired).map { collection.rules[$0].title }
                mismatches.append("\(sample.origins[k]): \(target.rawValue) only \(extra), local only \(missing)")
            }
        }
        print(
            "\(target.rawValue) on real events: \(queries.count) queries, \(sample.rows.count) of \(sample.eventsRead) events compared (\(firing) with local hits), \(agreements) agree"
        )
        for m in mismatches { print("  " + m) }
        #expect(firing > 0)
        #expect(agreements == sample.rows.count)
    }
}
