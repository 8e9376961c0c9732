// Indicator feeds in each format, with values taken from the shared Sysmon logs (checked with zcat | grep):
// the Hashes of aptsimulator_cobaltstrike's Sysmon 7 events, the addresses of Sysmon 3 events, the
// QueryName of cmd_bitsadmin's DNS query and its bitsadmin command line.
import Foundation
import Testing
import VigilCore
import VigilHunt

enum IOCFixture {
    static let sha256 = "E9EF80A7849F1CF02CB5FB8396FF9E270CB9006F30294A52C6490A72B373BE00"
    static let sha1 = "565505D129A019780E351E615A29722AEF479380"
    static let md5 = "F3F3D2B0196B9A00E91838888E76B5F6"
    static let imphash = "8C3BE1286CDAD6AC1136D0BB6C83FF41"
    static let ip = "172.18.38.5"
    static let ipv6 = "fe80:0:0:0:3816:b2ee:1b9b:324b"
    static let domain = "raw.githubusercontent.com"
    static let url = "https://raw.githubusercontent.com/redcanaryco/atomic-red-team/master/atomics/T1197/T1197.md"
    static let image = #"C:\Windows\System32\bitsadmin.exe"#

    /// Writes `text` to a fresh temporary file named `name` and returns its path.
    static func file(_ name: String, _ text: String) throws -> String {
        let folder = NSTemporaryDirectory() + "vigil-ioc-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func load(_ name: String, _ text: String) throws -> IndicatorSet {
        IndicatorSet.load([try file(name, text)])
    }

    static func summary(_ set: IndicatorSet) -> [String] { set.indicators.map { "\($0.type.rawValue):\($0.value)" } }
}

@Suite struct IOCParsingTests {
    @Test func plainTextInfersTypesAndReportsBadLines() throws {
        let set = try IOCFixture.load(
            "iocs.txt",
            """
            # hashes from Sysmon's Hashes field
            \(IOCFixture.sha256)
            \(IOCFixture.sha1.lowercased())   # trailing comment
            \(IOCFixture.md5)
            imphash:\(IOCFixture.imphash)

            \(IOCFixture.ip)
            fe80::/10
            172.18.0.0/16
            raw[.]githubusercontent[.]com
            hxxps://raw.githubusercontent[.]com/redcanaryco/atomic-red-team/master/atomics/T1197/T1197.md#frag
            \(IOCFixture.image)
            bitsadmin1_flag.ps1
            domain:mordordc
            this is not an indicator
            md5:1234
            10.0.0.0/33
            """)
        #expect(
            IOCFixture.summary(set) == [
                "sha256:\(IOCFixture.sha256.lowercased())", "sha1:\(IOCFixture.sha1.lowercased())", "md5:\(IOCFixture.md5.lowercased())",
                "imphash:\(IOCFixture.imphash.lowercased())", "ip:\(IOCFixture.ip)", "cidr:fe80::/10", "cidr:172.18.0.0/16",
                "domain:raw.githubusercontent.com",
                "url:https://raw.githubusercontent.com/redcanaryco/atomic-red-team/master/atomics/T1197/T1197.md#frag",
                "path:\(IOCFixture.image)", "filename:bitsadmin1_flag.ps1", "domain:mordordc",
            ])
        // The URL's host is the domain already listed: kept once.
        #expect(set.duplicates == 1)
        #expect(set.entries == 15)
        #expect(set.skipped == 3)
        #expect(set.diagnostics.map { $0.location.line } == [15, 16, 17])
        #expect(set.diagnostics.allSatisfy { $0.location.file.hasSuffix("iocs.txt") && $0.code == "ioc-value" })
        #expect(
            set.indicators.map(\.level) == [
                .hashValues, .hashValues, .hashValues, .hashValues, .ipAddresses, .ipAddresses, .ipAddresses, .domainNames, .domainNames,
                .artifacts, .artifacts, .domainNames,
            ])
    }

    @Test func mispCSVWithQuotesCompositesAndUnknownTypes() throws {
        let set = try IOCFixture.load(
            "misp.csv",
            """
            uuid,event_id,category,type,value,comment,to_ids,date
            5f1a0001-0000-4000-8000-000000000001,1,Payload delivery,sha256,\(IOCFixture.sha256),"Sysmon 7, cobaltstrike",1,1600000000
            5f1a0001-0000-4000-8000-000000000002,1,Network activity,ip-dst,\(IOCFixture.ip),"two
            lines",1,1600000000
            5f1a0001-0000-4000-8000-000000000003,1,Payload delivery,filename|md5,beacon.dll|\(IOCFixture.md5),,1,1600000000
            5f1a0001-0000-4000-8000-000000000004,1,Payload delivery,email-src,evil@example.com,,1,1600000000
            5f1a0001-0000-4000-8000-000000000005,1,Network activity,hostname,\(IOCFixture.domain),,1,1600000000
            5f1a0001-0000-4000-8000-000000000006,1,Network activity,ip-dst|port,\(IOCFixture.ip)|443,,1,1600000000
            5f1a0001-0000-4000-8000-000000000007,1,Payload delivery,md5,not-a-hash,,1,1600000000
            """)
        #expect(
            IOCFixture.summary(set) == [
                "sha256:\(IOCFixture.sha256.lowercased())", "ip:\(IOCFixture.ip)", "md5:\(IOCFixture.md5.lowercased())",
                "domain:\(IOCFixture.domain)",
            ])
        #expect(set.indicators[0].name == "Sysmon 7, cobaltstrike")
        #expect(set.indicators[0].id == "5f1a0001-0000-4000-8000-000000000001")
        #expect(set.indicators[1].name == "two\nlines")
        // Records are numbered by the line they start on; the quoted line break moves the rest down by one.
        #expect(set.indicators.map { $0.source.line } == [2, 3, 5, 7])
        #expect(set.duplicates == 1)
        #expect(set.diagnostics.map { "\($0.location.line ?? 0) \($0.code)" } == ["6 ioc-type", "9 ioc-value"])
    }

    @Test func otxAndHeaderlessCSV() throws {
        let otx = try IOCFixture.load(
            "otx.csv",
            """
            Indicator type,Indicator,Description
            FileHash-SHA1,\(IOCFixture.sha1),Sysmon 7 image
            IPv6,\(IOCFixture.ipv6),link-local peer
            URL,\(IOCFixture.url),
            CVE,CVE-2021-44228,
            """)
        #expect(
            IOCFixture.summary(otx) == [
                "sha1:\(IOCFixture.sha1.lowercased())", "ip:fe80::3816:b2ee:1b9b:324b", "url:\(IOCFixture.url)",
                "domain:\(IOCFixture.domain)",
            ])
        #expect(otx.indicators[2].group == otx.indicators[3].group)
        #expect(otx.diagnostics.map { "\($0.location.line ?? 0) \($0.code)" } == ["5 ioc-type"])

        let bare = try IOCFixture.load("list.csv", "\(IOCFixture.ip),DC\n\(IOCFixture.domain),dns\n")
        #expect(IOCFixture.summary(bare) == ["ip:\(IOCFixture.ip)", "domain:\(IOCFixture.domain)"])
        #expect(bare.indicators.map(\.name) == ["DC", "dns"])
    }

    @Test func jsonListsAndMISPEvents() throws {
        let list = try IOCFixture.load(
            "list.json",
            """
            [
              "\(IOCFixture.sha256)",
              {"type": "domain", "value": "\(IOCFixture.domain)", "comment": "bitsadmin download"},
              {"indicator": "\(IOCFixture.image.replacingOccurrences(of: "\\", with: "\\\\"))"},
              {"type": "mutex", "value": "Global\\\\x"},
              42
            ]
            """)
        #expect(
            IOCFixture.summary(list) == [
                "sha256:\(IOCFixture.sha256.lowercased())", "domain:\(IOCFixture.domain)", "path:\(IOCFixture.image)",
            ])
        #expect(list.indicators[1].name == "bitsadmin download")
        #expect(list.indicators.map { $0.source.line } == [2, 3, 4])
        #expect(list.diagnostics.map { "\($0.location.line ?? 0) \($0.code)" } == ["5 ioc-type", "6 ioc-json"])

        let misp = try IOCFixture.load(
            "event.json",
            """
            {"Event": {"info": "Cobalt Strike sim",
              "Attribute": [{"type": "imphash", "value": "\(IOCFixture.imphash)", "uuid": "a1"}],
              "Object": [{"name": "file", "Attribute": [
                {"type": "md5", "value": "\(IOCFixture.md5)", "uuid": "a2"},
                {"type": "ip-src", "value": "\(IOCFixture.ip)", "uuid": "a3", "comment": "beacon"},
                {"type": "url", "value": "\(IOCFixture.url)", "id": "101", "comment": "download"}]}]}}
            """)
        #expect(
            IOCFixture.summary(misp) == [
                "imphash:\(IOCFixture.imphash.lowercased())", "md5:\(IOCFixture.md5.lowercased())", "ip:\(IOCFixture.ip)",
                "url:\(IOCFixture.url)", "domain:\(IOCFixture.domain)",
            ])
        // A MISP attribute typed `url` with a numeric id is not mistaken for a STIX url object.
        #expect(misp.indicators.map(\.name) == ["Cobalt Strike sim", "Cobalt Strike sim", "beacon", "download", "download"])
        #expect(misp.indicators.map(\.id) == ["a1", "a2", "a3", "101", "101"])
        #expect(misp.indicators.map { $0.source.line } == [2, 4, 5, 6, 6])

        let broken = try IOCFixture.load("broken.json", "[\n  \"\(IOCFixture.ip)\",\n  {\"type\": \n]")
        #expect(broken.isEmpty)
        #expect(broken.diagnostics.count == 1)
        #expect(broken.diagnostics.first?.location.line == 4)
        #expect(broken.diagnostics.first?.code == "ioc-json")
    }

    static let bundle = """
        {
          "type": "bundle",
          "id": "bundle--6c1a6b1e-0000-4000-8000-000000000000",
          "objects": [
            {
              "type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000001",
              "name": "Cobalt Strike beacon loader", "pattern_type": "stix",
              "pattern": "[file:hashes.'SHA-256' = '\(IOCFixture.sha256)' OR file:hashes.MD5 = '\(IOCFixture.md5)']",
              "valid_from": "2021-06-11T00:00:00Z"
            },
            {
              "type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000002",
              "name": "lab addresses", "pattern_type": "stix",
              "pattern": "[ipv4-addr:value = '\(IOCFixture.ip)'] OR [ipv6-addr:value ISSUBSET 'fe80::/10'] OR [domain-name:value = '\(IOCFixture.domain)'] WITHIN 60 SECONDS",
              "valid_from": "2021-06-11T00:00:00Z"
            },
            {
              "type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000003",
              "name": "named file with hash", "pattern_type": "stix",
              "pattern": "[file:name = 'beacon.dll' AND file:hashes.'SHA-1' = '\(IOCFixture.sha1)']",
              "valid_from": "2021-06-11T00:00:00Z"
            },
            {
              "type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000004",
              "name": "needs a sequence", "pattern_type": "stix",
              "pattern": "[file:name = 'bitsadmin.exe'] FOLLOWEDBY [url:value = '\(IOCFixture.url)']",
              "valid_from": "2021-06-11T00:00:00Z"
            },
            {
              "type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000005",
              "name": "sigma", "pattern_type": "sigma", "pattern": "title: x", "valid_from": "2021-06-11T00:00:00Z"
            },
            {
              "type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000006",
              "name": "broken", "pattern_type": "stix", "pattern": "[file:name = 'x.exe'", "valid_from": "2021-06-11T00:00:00Z"
            },
            {
              "type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000007",
              "name": "in list", "pattern_type": "stix",
              "pattern": "[process:name IN ('bitsadmin1_flag.ps1', 'mimikatz.exe') OR process:command_line MATCHES 'x']",
              "valid_from": "2021-06-11T00:00:00Z"
            },
            {"type": "ipv6-addr", "spec_version": "2.1", "id": "ipv6-addr--00000000-0000-4000-8000-000000000008", "value": "\(IOCFixture.ipv6)"},
            {"type": "file", "spec_version": "2.1", "id": "file--00000000-0000-4000-8000-000000000009",
             "hashes": {"IMPHASH": "\(IOCFixture.imphash)"}, "name": "beacon.dll"},
            {"type": "malware", "spec_version": "2.1", "id": "malware--00000000-0000-4000-8000-00000000000a", "name": "Beacon", "is_family": true},
            {"type": "relationship", "spec_version": "2.1", "id": "relationship--00000000-0000-4000-8000-00000000000b",
             "relationship_type": "indicates", "source_ref": "indicator--00000000-0000-4000-8000-000000000001",
             "target_ref": "malware--00000000-0000-4000-8000-00000000000a"}
          ]
        }
        """

    @Test func stixBundle() throws {
        let set = try IOCFixture.load("bundle.json", Self.bundle)
        #expect(
            IOCFixture.summary(set) == [
                "sha256:\(IOCFixture.sha256.lowercased())", "md5:\(IOCFixture.md5.lowercased())", "ip:\(IOCFixture.ip)", "cidr:fe80::/10",
                "domain:\(IOCFixture.domain)", "sha1:\(IOCFixture.sha1.lowercased())", "filename:bitsadmin1_flag.ps1",
                "filename:mimikatz.exe", "ip:fe80::3816:b2ee:1b9b:324b", "imphash:\(IOCFixture.imphash.lowercased())",
            ])
        // An indicator object is one group, whatever the number of its comparisons.
        let groups = set.indicators.map(\.group)
        #expect(groups == [0, 0, 1, 1, 1, 2, 3, 3, 4, 5])
        #expect(set.indicators[0].name == "Cobalt Strike beacon loader")
        #expect(set.indicators[0].id == "indicator--00000000-0000-4000-8000-000000000001")
        #expect(set.indicators[0].source.line == 5)
        #expect(set.indicators[9].source.line == 44)
        #expect(set.entries == 9)
        #expect(set.skipped == 3)
        #expect(
            set.diagnostics.map { "\($0.location.line ?? 0) \($0.code)" } == [
                "23 stix-pattern-and", "29 stix-pattern-type", "33 stix-pattern", "37 stix-pattern-partial",
            ])
        #expect(set.diagnostics.allSatisfy { $0.location.item?.hasPrefix("indicator--") ?? false })
    }

    @Test func formatsAreDetectedWithoutExtensions() throws {
        let stix = try IOCFixture.load("feed", Self.bundle)
        #expect(stix.indicators.count == 10)
        let csv = try IOCFixture.load("feed2", "type,value\nip,\(IOCFixture.ip)\n")
        #expect(IOCFixture.summary(csv) == ["ip:\(IOCFixture.ip)"])
        let text = try IOCFixture.load("feed3", "\(IOCFixture.ip)\n\(IOCFixture.domain)\n")
        #expect(IOCFixture.summary(text) == ["ip:\(IOCFixture.ip)", "domain:\(IOCFixture.domain)"])
        let missing = IndicatorSet.load(["/nonexistent/iocs.txt"])
        #expect(missing.isEmpty && missing.diagnostics.count == 1)
    }
}
