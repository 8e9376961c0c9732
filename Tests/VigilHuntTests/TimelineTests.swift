// The timeline on real logs: its detections are `vigil hunt`'s, its selected events are what an independent
// JSON scan finds, its times are Foundation's, its order is by time and stable, its summaries add up.
import Foundation
import Testing
import VigilCore
import VigilHunt
import VigilLogs
import VigilSigma
import VigilTestSupport

@Suite struct TimelineTests {
    static let rules = "rules/sigma/rules/windows/builtin"
    static let logs = "logs/evtx-attack-samples/Lateral Movement"

    static func ruleSet(_ relative: String = rules) throws -> RuleSet {
        let collection = RuleLoader.load([try SharedData.path(relative)])
        return RuleSet(
            rules: collection.rules, filters: collection.filters, correlations: collection.correlations, mapping: .builtin)
    }

    static func evtxTimeline(threads: Int = 2) throws -> Timeline {
        let (files, missing) = EventStream.files([try SharedData.path(logs)])
        #expect(missing.isEmpty)
        var report = EventStreamReport()
        let timeline = Timeline.build(files, ruleSet: try ruleSet(), threads: threads, report: &report)
        #expect(report.bad == 0)
        return timeline
    }

    /// Microseconds by Foundation's calendar: whole seconds from date components, the fraction from its digits.
    static func foundationMicros(_ fields: DateComponents, fraction: String, offset: Int = 0) throws -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: offset)!
        let date = try #require(calendar.date(from: fields))
        let digits = String((fraction + "000000").prefix(6))
        return Int64(date.timeIntervalSince1970.rounded()) * 1_000_000 + Int64(digits)!
    }

    @Test func timesAreFoundationsTimes() throws {
        func c(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> DateComponents {
            DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
        }
        let cases: [(String, DateComponents, String, Int)] = [
            ("2019-05-10T12:34:56.7890123Z", c(2019, 5, 10, 12, 34, 56), "7890123", 0),  // EVTX SystemTime, 100 ns
            ("2019-05-10 12:34:56.789", c(2019, 5, 10, 12, 34, 56), "789", 0),  // Sysmon UtcTime
            ("2021-06-11T09:07:15.635Z", c(2021, 6, 11, 9, 7, 15), "635", 0),
            ("2020-02-29T23:59:59+02:00", c(2020, 2, 29, 23, 59, 59), "", 7200),
            ("1999-12-31T22:00:00.5-0530", c(1999, 12, 31, 22, 0, 0), "5", -19800),
            ("1969-12-31T23:59:59.25Z", c(1969, 12, 31, 23, 59, 59), "25", 0),
        ]
        for (text, fields, fraction, offset) in cases {
            let expected = try Self.foundationMicros(fields, fraction: fraction, offset: offset)
            #expect(TimelineTime.micros(text) == expected, "\(text)")
            // Printed back in UTC: Foundation's formatter for the seconds, the six fraction digits appended.
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(secondsFromGMT: 0)
            formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
            let seconds = expected >= 0 ? expected / 1_000_000 : (expected - 999_999) / 1_000_000
            let micros = expected - seconds * 1_000_000
            let iso = formatter.string(from: Date(timeIntervalSince1970: Double(seconds))) + "." + String(format: "%06lld", micros) + "Z"
            #expect(TimelineTime.iso(expected) == iso)
        }
        for bad in ["", "2019-05-10", "2019-13-10T00:00:00Z", "2019-05-10T12:34:56 junk", "1557491696", "2019-05-10T25:00:00Z"] {
            #expect(TimelineTime.micros(bad) == nil, "\(bad)")
        }
    }

    @Test func sysmonUtcTimeIsReadAsFoundationReadsIt() throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        var checked = 0
        for record in try Independent.records(try SharedData.path(Independent.sysmonFiles[0])) {
            guard let text = record["UtcTime"] as? String else { continue }
            let date = try #require(formatter.date(from: text))
            #expect(TimelineTime.micros(text) == Int64((date.timeIntervalSince1970 * 1000).rounded()) * 1000, "\(text)")
            checked += 1
        }
        #expect(checked > 100)
    }

    @Test func selectedEventsAreTheIndependentScansEvents() throws {
        let paths = try Independent.sysmonFiles.map { try SharedData.path($0) }
        let selectors = [try EventSelector(parsing: "microsoft-windows-sysmon/operational:1, 3"), try EventSelector(parsing: "Security")]
        #expect(selectors[0].eventIDs == ["1", "3"] && selectors[1].eventIDs.isEmpty)
        var report = EventStreamReport()
        let timeline = Timeline.build(paths, ruleSet: nil, events: selectors, threads: 2, report: &report)

        // Independently: every Sysmon record with event ID 1 or 3 and every Security record, with host and time.
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = DateFormatter()
        plain.locale = Locale(identifier: "en_US_POSIX")
        plain.timeZone = TimeZone(secondsFromGMT: 0)
        plain.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        var hosts: [String: Int] = [:]
        var times: [Int64] = []
        for path in paths {
            for record in try Independent.records(path) {
                let id = Independent.text(record["EventID"])
                switch record["Channel"] as? String {
                case "Microsoft-Windows-Sysmon/Operational" where id == "1" || id == "3": break
                case "Security": break
                default: continue
                }
                hosts[Independent.text(record["Hostname"]) ?? "-", default: 0] += 1
                // The first of the time fields that Vigil reads on flat exports, in its order.
                let stamp = try #require((record["@timestamp"] ?? record["TimeCreated"]) as? String)
                let date = try #require(iso.date(from: stamp) ?? plain.date(from: stamp), "\(stamp)")
                times.append(Int64((date.timeIntervalSince1970 * 1000).rounded()) * 1000)
            }
        }
        #expect(times.count > 100)
        #expect(timeline.entries.count == times.count)
        #expect(timeline.detections == 0)
        #expect(timeline.entries.allSatisfy { $0.source == .event && !$0.message.isEmpty })
        #expect(timeline.entries.map(\.time) == times.sorted())
        let summary = timeline.summary()
        #expect(Dictionary(uniqueKeysWithValues: summary.hosts.map { ($0.key, $0.entries) }) == hosts)
        #expect(summary.tactics.isEmpty)
    }

    @Test func entriesAreSortedAndTheOrderIsStable() throws {
        let timeline = try Self.evtxTimeline(threads: 3)
        let entries = timeline.entries
        #expect(!entries.isEmpty)
        for (a, b) in zip(entries, entries.dropFirst()) {
            #expect(a.time <= b.time)
            // Equal times keep input order: file by file, and within a file by record.
            if a.time == b.time { #expect(a.file < b.file || (a.file == b.file && a.line <= b.line)) }
        }
        let serial = try Self.evtxTimeline(threads: 1)
        func key(_ t: Timeline, _ e: TimelineEntry) -> String { "\(e.time) \(t.file(e) ?? "") \(e.line) \(e.source)" }
        #expect(entries.map { key(timeline, $0) } == serial.entries.map { key(serial, $0) })
    }

    @Test func summariesAreCountsOfTheEntries() throws {
        let timeline = try Self.evtxTimeline()
        let summary = timeline.summary()
        // Recounted here from the entries, one loop, no shared code with `summary()`.
        var byHost: [String: (n: Int, first: Int64, last: Int64, rules: [String: Int])] = [:]
        var byTactic: [String: (n: Int, first: Int64, last: Int64, rules: [String: Int])] = [:]
        for e in timeline.entries {
            let title = timeline.rule(of: e).title
            let host = timeline.host(e) ?? "-"
            var h = byHost[host] ?? (0, .max, .min, [:])
            h.n += 1
            if e.hasTime { (h.first, h.last) = (min(h.first, e.time), max(h.last, e.time)) }
            h.rules[title, default: 0] += 1
            byHost[host] = h
            for tactic in timeline.rule(of: e).tactics {
                var t = byTactic[tactic] ?? (0, .max, .min, [:])
                t.n += 1
                if e.hasTime { (t.first, t.last) = (min(t.first, e.time), max(t.last, e.time)) }
                t.rules[title, default: 0] += 1
                byTactic[tactic] = t
            }
        }
        #expect(summary.hosts.map(\.entries).reduce(0, +) == timeline.entries.count)
        #expect(Set(summary.hosts.map(\.key)) == Set(byHost.keys))
        for row in summary.hosts {
            let h = try #require(byHost[row.key])
            #expect(row.entries == h.n && row.detections == h.n)
            #expect(row.first == (h.first == .max ? nil : h.first) && row.last == (h.last == .min ? nil : h.last))
            let top = try #require(h.rules.values.max())
            #expect(row.topRules.first?.count == top)
            #expect(row.topRules.allSatisfy { h.rules[$0.title] == $0.count })
        }
        #expect(Set(summary.tactics.map(\.key)) == Set(byTactic.keys))
        for row in summary.tactics {
            let t = try #require(byTactic[row.key])
            #expect(row.entries == t.n && row.first == (t.first == .max ? nil : t.first) && row.last == (t.last == .min ? nil : t.last))
            #expect(row.topRules.first?.count == t.rules.values.max())
        }
        #expect(summary.hosts.map(\.entries) == summary.hosts.map(\.entries).sorted(by: >))
    }
}
