// `vigil convert` and `vigil export` as a user runs them: exit codes, what is refused and why, rows as written.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite struct ConvertCLITests {
    @Test func correlationsConvertForSQLAndAreRefusedWithTheReasonElsewhere() throws {
        let folder = ConvertFixtures.temporaryFolder()
        let file = folder + "/c.yml"
        try """
        title: base
        name: base_rule
        logsource: {product: windows, service: security}
        detection:
            sel: {EventID: 4625}
            condition: sel
        ---
        title: many failures
        correlation:
            type: event_count
            rules: [base_rule]
            group-by: [TargetUserName]
            timespan: 5m
            condition: {gte: 10}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let run = try ProcessRunner.vigil(["convert", "--target", "duckdb", file])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains(#"lower("Channel") = 'security'"#))
        #expect(run.stdout.contains("-- correlation - many failures: windows meeting the condition, by group and start"))
        #expect(run.stdout.contains("WHERE vigil_value >= 10 ORDER BY vigil_g0, vigil_first;"))
        #expect(run.stderr.contains("1 correlation converted, 0 refused"))
        let json = try ProcessRunner.vigil(["convert", "--target", "spark", "--format", "json", file])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let correlations = try #require(doc["correlations"] as? [[String: Any]])
        #expect(correlations.count == 1)
        #expect(correlations.first?["group_by"] as? [String] == ["TargetUserName"])
        #expect(correlations.first?["timespan"] as? Int == 300)
        #expect((correlations.first?["query"] as? String)?.contains("RANGE BETWEEN CURRENT ROW AND 300 FOLLOWING") == true)
        let splunk = try ProcessRunner.vigil(["convert", "--target", "splunk", file])
        #expect(splunk.status == 1)
        #expect(
            splunk.stderr.contains("correlation refused: \(file):8:1: many failures: correlations are converted for the SQL targets only"))
    }

    @Test func exitCodes() throws {
        let rule = try SharedData.path("rules/sigma/rules/windows/process_creation/proc_creation_win_whoami_all_execution.yml")
        #expect(try ProcessRunner.vigil(["convert", "--target", "spark", rule]).status == 0)
        #expect(try ProcessRunner.vigil(["convert", "--target", "nosuch", rule]).status == 2)
        #expect(try ProcessRunner.vigil(["convert", "--target", "spark", "--layout", "nosuch", rule]).status == 2)
        // A keyword rule cannot be converted to SQL without the table's columns: nothing converted is exit 2.
        let keyword = ConvertFixtures.temporaryFolder() + "/k.yml"
        try "title: k\nlogsource: {}\ndetection:\n    keywords: [mimikatz]\n    condition: keywords\n"
            .write(toFile: keyword, atomically: true, encoding: .utf8)
        let refused = try ProcessRunner.vigil(["convert", "--target", "duckdb", keyword])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("a keyword search needs the table's column list"))
    }

    @Test func exportWritesOneRowPerEventWithItsOrigin() throws {
        let file = try SharedData.path("logs/sigma-regression/regression_data/rules/windows/process_creation")
        let folder = ConvertFixtures.temporaryFolder()
        let run = try ProcessRunner.vigil(["export", file, "-o", folder + "/e.jsonl", "--columns", folder + "/c.txt"])
        #expect(run.status == 0)
        let rows = try String(contentsOfFile: folder + "/e.jsonl", encoding: .utf8).split(separator: "\n")
        let columns = try String(contentsOfFile: folder + "/c.txt", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(columns.first == "vigil_event")
        #expect(run.stderr.contains("\(rows.count) event\(rows.count == 1 ? "" : "s") written"))
        for row in rows {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any])
            #expect(
                (object["vigil_event"] as? String)?.contains(".evtx:") == true
                    || (object["vigil_event"] as? String)?.contains(".json:") == true)
            #expect(Set(object.keys).isSubset(of: Set(columns)))
            #expect(object.values.allSatisfy { $0 is String || $0 is NSNull || $0 is [Any] })
        }
    }
}
