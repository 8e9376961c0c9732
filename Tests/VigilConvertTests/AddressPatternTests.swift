// |cidr without an address type: the generated regular expressions must accept exactly the texts the local
// engine's parser reads as an address inside the network. Checked here with Swift's regex engine over every
// pair of a corpus of address texts and networks; EngineTests run the same patterns on Java and RE2.
import Testing
import VigilCore
import VigilSigma

@testable import VigilConvert

@Suite struct AddressPatternTests {
    static let addresses = [
        "10.1.2.3", "010.001.002.003", "10.1.2.3%eth0", "10.1.3.255", "10.1.4.0", "::ffff:10.1.2.3", "0:0:0:0:0:ffff:10.1.2.3",
        "0::ffff:10.1.2.3", "::0:ffff:10.1.2.3", "::ffff:a01:203", "::FFFF:0A01:0203", "::1", "0:0:0:0:0:0:0:1", "0000::1", "::0:1",
        "::0.0.0.1", "fe80::1", "FE80::1%12", "fe80:0:0:0:3816:b2ee:1b9b:324b", "febf:ffff::", "fec0::1", "fc00::",
        "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "fe00::", "2620:1ec:4::152", "2620:01ec:0004:0000:0000:0000:0000:0152", "2620:1ec:4:0:0:0:0:152", "2620:1ec:4::153",
        "2620:1ec:4::0.0.1.82", "2603:1006:14ff::1", "2603:1006:1400::", "2603:1006:1500::1", "2a01:111:f400::abcd", "2a01:111:f401::1",
        "1:2:3:4:5:6:7:8", "1::2::3", "::", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "garbage", "", "1.2.3.256", "10.0.0", "1.2.3.4.5",
        "::ffff:192.168.1.1", "::ffff:c0a8:101", "192.168.1.1", "172.16.0.1", "172.31.255.255", "172.32.0.1", "127.0.0.1",
        "::ffff:127.0.0.1", "169.254.7.7", "[::1]", "fe80::1%", "12345::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:1.2.3.4",
        "::1.2.3.4", "0.0.0.0", "255.255.255.255", "::ffff:0:0", "1.2.3.4 ", " 1.2.3.4",
    ]
    static let networks = [
        "10.0.0.0/8", "10.1.2.0/23", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "1.2.3.4/32", "0.0.0.0/0",
        "::1/128", "fe80::/10", "fc00::/7", "2620:1ec:4::152/128", "2603:1006:1400::/40", "2a01:111:f400::/48", "::/0", "::ffff:0:0/96",
        "2620:1ec:8f0::/46", "::ffff:10.0.0.0/104",
    ]

    @Test(arguments: networks) func acceptsExactlyWhatTheLocalParserDoes(_ text: String) throws {
        let network = try #require(CIDRNetwork(text))
        let patterns: [Regex<AnyRegexOutput>]
        var needsValid: Regex<AnyRegexOutput>?
        if network.isIPv4 {
            patterns = [try Regex(AddressPatterns.ipv4(network))]
        } else {
            let (prefixed, exact) = AddressPatterns.ipv6(network)
            patterns = exact.isEmpty ? [] : [try Regex(exact.joined(separator: "|"))]
            if let prefixed { needsValid = try Regex(prefixed) }
        }
        let valid = try Regex(AddressPatterns.validIPv6)
        for address in Self.addresses {
            let lower = address.lowercased()
            let local = IPAddress.parse(address).map(network.contains) ?? false
            var generated = patterns.contains { lower.firstMatch(of: $0) != nil }
            if let needsValid, lower.firstMatch(of: needsValid) != nil, lower.firstMatch(of: valid) != nil { generated = true }
            #expect(generated == local, "\(text) ∋ \(address): local \(local), pattern \(generated)")
        }
    }

    @Test func validityAcceptsWhatTheParserAccepts() throws {
        let valid = try Regex(AddressPatterns.validIPv6)
        for address in Self.addresses where address.contains(":") {
            let parsed = IPAddress.parse(address) != nil
            #expect((address.lowercased().firstMatch(of: valid) != nil) == parsed, "\(address)")
        }
    }
}
