// Bad input: every file that cannot be read is reported with its file and line, counted, and the rest goes on.

import Testing
import VigilCore

@testable import VigilCoverage

@Suite struct BadInputTests {
    @Test func malformedTOMLIsReportedWithItsLine() throws {
        let folder = try ScratchFolder(text: [
            "rules/good.toml": """
            [metadata]
            maturity = "production"

            [rule]
            rule_id = "a"
            name = "Good"
            severity = "high"
            """,
            "rules/bad.toml": """
            [metadata]
            maturity = "production"

            [rule]
            rule_id = "b"
            name = "Unclosed
            """,
            "rules/duplicate.toml": "[rule]\nrule_id = \"c\"\nrule_id = \"d\"\n",
        ])
        defer { folder.remove() }
        let result = ElasticReader.read(folder.path)
        #expect(result.filesSeen == 3)
        #expect(result.rules.map(\.id) == ["a"])
        let bad = try #require(result.diagnostics.first { $0.location.file.hasSuffix("bad.toml") })
        #expect(bad.location.line == 6)
        #expect(bad.code == "toml-syntax")
        let duplicate = try #require(result.diagnostics.first { $0.location.file.hasSuffix("duplicate.toml") })
        #expect(duplicate.location.line == 3)
        #expect(duplicate.code == "toml-duplicate")
    }

    @Test func malformedYAMLIsReportedWithItsLine() throws {
        let folder = try ScratchFolder(text: [
            "rules/good.yml": "title: Good\nid: g\nlevel: high\nlogsource: {product: windows}\ndetection: {sel: {a: b}, condition: sel}\n",
            "rules/bad.yml": "title: Bad\nid: b\ndetection:\n  sel: [a, b\n  condition: sel\n",
            "rules/nodetection.yml": "title: No detection\nid: n\n",
        ])
        defer { folder.remove() }
        let result = SigmaMetadataReader.read(folder.path)
        #expect(result.filesSeen == 3)
        #expect(result.rules.map(\.id) == ["g"])
        #expect(result.diagnostics.count == 2)
        let bad = try #require(result.diagnostics.first { $0.location.file.hasSuffix("bad.yml") })
        #expect(bad.code == "yaml-syntax")
        #expect(bad.location.line == 5)
        // The Sigma engine's reason, as `vigil rules check` gives it (the first thing missing is the logsource).
        let missing = try #require(result.diagnostics.first { $0.location.file.hasSuffix("nodetection.yml") })
        #expect(missing.code == "missing-logsource")
        #expect(missing.location.line == 1)
    }

    @Test func carAndHuntMetadataErrors() throws {
        let folder = try ScratchFolder(text: [
            "analytics/CAR-2099-01-001.yaml": "title: Broken\nid: CAR-2099-01-001\ncoverage:\n  - technique: T1059\n   tactics: [TA0002]\n",
            "analytics/CAR-2099-01-002.yaml": "title: Fine\nid: CAR-2099-01-002\ncoverage:\n  - technique: T1059\n    coverage: High\n",
        ])
        defer { folder.remove() }
        let result = CARReader.read(folder.path)
        #expect(result.rules.map(\.id) == ["CAR-2099-01-002"])
        #expect(result.rules.first?.status == "High")
        let diagnostic = try #require(result.diagnostics.first)
        #expect(diagnostic.location.file.hasSuffix("CAR-2099-01-001.yaml"))
        #expect(diagnostic.location.line == 5)
    }

    @Test func kqlWithoutHeaderIsReported() throws {
        let folder = try ScratchFolder(text: [
            "detections/T1059_No_Header.txt": "Sysmon\n| where EventID == 1\n",
            "detections/T1059_Fine.txt":
                "// Name: Fine\n// Severity: Medium\n// DataSource: #Sysmon\n// Tactics: #Execution\nSysmon | where EventID == 1\n",
        ])
        defer { folder.remove() }
        let result = SentinelReader.read(folder.path)
        #expect(result.filesSeen == 2)
        #expect(result.rules.map(\.id) == ["T1059_Fine"])
        #expect(result.rules.first?.severity == .medium)
        let diagnostic = try #require(result.diagnostics.first)
        #expect(diagnostic.code == "kql-no-header")
        #expect(diagnostic.location.file.hasSuffix("T1059_No_Header.txt"))
        #expect(diagnostic.location.line == 1)
    }

    @Test func unknownTechniqueTextIsKeptAsWritten() throws {
        let folder = try ScratchFolder(text: [
            "detections/T10X3_Odd_Name.txt": "// Name: Odd\n// Severity: High\n// DataSource: #Sysmon\n// Tactics: #Discovery\nSysmon\n",
            "sigma/odd.yml":
                "title: Odd\nid: o\ntags: [attack.t1059.1, attack.execution]\nlogsource: {product: windows}\ndetection: {s: {a: b}, condition: s}\n",
        ])
        defer { folder.remove() }
        let sentinel = SentinelReader.read(folder.path + "/detections")
        #expect(sentinel.rules.first?.techniqueIDs == ["T10X3"])
        let warning = try #require(sentinel.diagnostics.first)
        #expect(warning.severity == .warning)
        #expect(warning.code == "technique-id-syntax")
        #expect(warning.location.line == 1)
        let sigma = SigmaMetadataReader.read(folder.path + "/sigma")
        #expect(sigma.rules.first?.techniqueIDs == ["T1059.1"])
        #expect(sigma.rules.first?.tactics == ["execution"])
        let sigmaWarning = try #require(sigma.diagnostics.first)
        #expect(sigmaWarning.code == "technique-id-syntax")
        #expect(sigmaWarning.location.file.hasSuffix("odd.yml"))
        #expect(sigmaWarning.location.line == 3)
    }

    @Test(arguments: ["rules/x.toml", "x.yml", "detections/T1059_Bin.txt", "analytics/CAR-2000-01-001.yaml"])
    func binaryFileIsReportedNotDropped(_ name: String) throws {
        // A PNG header, then text: the NUL on line 2 is where the text stops.
        let folder = try ScratchFolder([name: [0x89, 0x50, 0x4E, 0x47, 0x0A, 0x41, 0x00, 0x1A, 0x0A]])
        defer { folder.remove() }
        let result: RuleImport
        switch name {
        case "rules/x.toml": result = ElasticReader.read(folder.path)
        case "x.yml": result = SigmaMetadataReader.read(folder.path)
        case "detections/T1059_Bin.txt": result = SentinelReader.read(folder.path)
        default: result = CARReader.read(folder.path)
        }
        #expect(result.filesSeen == 1)
        #expect(result.rules.isEmpty)
        let diagnostic = try #require(result.diagnostics.first)
        #expect(diagnostic.code == "not-text")
        #expect(diagnostic.location.file.hasSuffix(name))
        #expect(diagnostic.location.line == 2)
        #expect(diagnostic.location.column == 2)
    }

    @Test func invalidUTF8IsReported() throws {
        let folder = try ScratchFolder(["T1059_Latin1.txt": Array("// Name: caf".utf8) + [0xE9, 0x0A]])
        defer { folder.remove() }
        let result = SentinelReader.read(folder.path)
        #expect(result.diagnostics.first?.code == "not-text")
        #expect(result.diagnostics.first?.location.line == 1)
    }

    @Test func unknownPathsAreDiagnostics() throws {
        let folder = try ScratchFolder(text: ["notes.md": "nothing here\n"])
        defer { folder.remove() }
        let result = RuleRepositories.read([folder.path, folder.path + "/missing"])
        #expect(result.imports.isEmpty)
        #expect(result.diagnostics.map(\.code) == ["unrecognised-repository", "io-open"])
    }
}
