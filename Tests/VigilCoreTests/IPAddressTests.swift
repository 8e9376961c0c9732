// IPAddress and IPNetwork against Python's `ipaddress` module, run here over generated addresses and networks,
// well-formed and malformed. Vigil reads what Python reads except where this file says otherwise.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite struct IPAddressTests {
    static let fixed = [
        "1.2.3", "01.2.3.4", "::ffff:1.2.3.4", "1.2.3.4/33", "fe80::1%eth0", "fe80::1%", "fe80::1%a%b", "fe80::1%a b",
        "1.2.3.4%eth0", "::ffff:1.2.3.4%x", "1:2:3:4::5:6:7:8", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "+1::", "-0::", "::",
        "::1", "1::", ":1", "1:", ":::", "1:::2", "1::2::3", "::1.2.3.4", "1::1.2.3.4", "::01.2.3.4", "1:2:3:4:5:6:1.2.3.4",
        "1:2:3:4:5:6::1.2.3.4", "1:2:3:4:5::1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::ffff:256.1.1.1", "[::1]", " 1.2.3.4", "1.2.3.4 ",
        "1.2.3.4.5", "1..2.3", "255.255.255.255", "0.0.0.0", "0000::1", "00000::1", "FE80::A", "g::1", "1.2.3.-4", "", "1",
        "10.0.0.0/8", "10.1.2.3/8", "10.0.0.0/08", "10.0.0.0/+8", "10.0.0.0/", "10.0.0.0/8/8", "::/0", "::ffff:10.0.0.0/104",
        "::ffff:0:0/96", "fe80::%eth0/10", "fe80::/129", "2001:db8::/32", "1.2.3.4/ 8", "010.001.002.003", "1.2.3.0377",
    ]

    /// Addresses and networks, valid and not: IPv4 with and without leading zeros, IPv6 with `::` anywhere, an
    /// IPv4 tail, zones, upper case, and single-character damage to each.
    static func generated(_ count: Int) -> [String] {
        var rng = SplitMix64(seed: 20_260_304)
        func octet() -> String {
            let top = Int.random(in: 0..<10, using: &rng) == 0 ? 999 : 255
            let v = Int.random(in: 0...top, using: &rng)
            switch Int.random(in: 0..<12, using: &rng) {
            case 0: return "0" + String(v)
            case 1: return "00" + String(v)
            default: return String(v)
            }
        }
        func v4() -> String { (0..<4).map { _ in octet() }.joined(separator: ".") }
        func group() -> String {
            let v = UInt16.random(in: 0...UInt16.max, using: &rng) >> (Int.random(in: 0..<4, using: &rng) * 4)
            var text = String(v, radix: 16)
            if Int.random(in: 0..<6, using: &rng) == 0 { text = String(repeating: "0", count: max(0, 4 - text.count)) + text }
            if Int.random(in: 0..<8, using: &rng) == 0 { text = text.uppercased() }
            return Int.random(in: 0..<5, using: &rng) == 0 ? "0" : text
        }
        func v6() -> String {
            let tail = Int.random(in: 0..<4, using: &rng) == 0
            var groups = (0..<(tail ? 6 : 8)).map { _ in group() }
            if Int.random(in: 0..<3, using: &rng) > 0 {
                // `::` for a run of groups, sometimes an empty run (not allowed), sometimes twice (not allowed).
                let start = Int.random(in: 0...groups.count, using: &rng)
                let length = Int.random(in: 0...(groups.count - start), using: &rng)
                groups.replaceSubrange(start..<(start + length), with: ["\u{0}"])
            }
            var text = groups.joined(separator: ":").replacingOccurrences(of: ":\u{0}:", with: "::")
            text = text.replacingOccurrences(of: "\u{0}:", with: "::").replacingOccurrences(of: ":\u{0}", with: "::")
            text = text.replacingOccurrences(of: "\u{0}", with: "::")
            if tail { text += (text.hasSuffix(":") ? "" : ":") + v4() }
            if Int.random(in: 0..<6, using: &rng) == 0 { text += ["%eth0", "%12", "%", "%a%b", "%x/y"].randomElement(using: &rng)! }
            return text
        }
        func damaged(_ text: String) -> String {
            var chars = Array(text)
            guard !chars.isEmpty else { return text }
            let at = Int.random(in: 0..<chars.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: chars.remove(at: at)
            case 1: chars.insert([":", ".", "0", "g", " ", "+"].randomElement(using: &rng)!, at: at)
            case 2: chars[at] = [":", ".", "f", "9"].randomElement(using: &rng)!
            default:
                let copy = Array(chars[at...].prefix(2))
                chars.insert(contentsOf: copy, at: at)
            }
            return String(chars)
        }
        var out: [String] = []
        for i in 0..<count {
            var text = i % 2 == 0 ? v4() : v6()
            if i % 5 == 0 { text = damaged(text) }
            if i % 3 == 0 {
                let width = text.contains(":") ? 128 : 32
                let n = Int.random(in: 0...(width + 2), using: &rng)
                text += "/" + (Int.random(in: 0..<10, using: &rng) == 0 ? "0" : "") + String(n)
            }
            out.append(text)
        }
        return out
    }

    /// For each text, Python's reading: null, or the address as a 128-bit integer (IPv4 mapped into
    /// ::ffff:0:0/96), its canonical text, the prefix on the 128-bit scale, and the network's last address.
    static let reference = #"""
        import ipaddress, json, re, sys

        def translate(text):
            # The one difference kept on purpose: Vigil reads a dotted octet with leading zeros as decimal;
            # Python refuses it (it could be meant as octal). Strip them so Python reads the same number.
            address, slash, prefix = text.partition("/")
            head, pct, zone = address.partition("%")
            m = re.search(r"(^|:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$", head)
            if m:
                octets = [o.lstrip("0") or "0" for o in m.groups()[1:]]
                head = head[: m.start(2)] + ".".join(octets)
            # Vigil takes a prefix length only; Python also takes a dotted netmask after the slash.
            if "." in prefix:
                return None
            return head + pct + zone + slash + prefix

        MAPPED = 0xFFFF << 32

        def canonical(address):
            if address.version == 4:
                return str(address)
            if address.ipv4_mapped is not None:
                return str(address.ipv4_mapped)
            return str(address).partition("%")[0]

        def read(text):
            text = translate(text)
            if text is None:
                return None
            try:
                if "/" not in text:
                    a = ipaddress.ip_address(text)
                    value = int(a) | (MAPPED if a.version == 4 else 0)
                    return [str(value), canonical(a), 128, str(value)]
                n = ipaddress.ip_network(text, strict=False)
            except ValueError:
                return None
            first, last = int(n.network_address), int(n.broadcast_address)
            if n.version == 4:
                return [str(first | MAPPED), canonical(n.network_address), 96 + n.prefixlen, str(last | MAPPED)]
            return [str(first), canonical(n.network_address), n.prefixlen, str(last)]

        cases = json.load(open(sys.argv[1]))
        print(json.dumps([read(t) for t in cases]))
        """#

    static func python(_ script: String, _ input: Any) throws -> Any {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-core-\(UUID().uuidString).json").path
        try JSONSerialization.data(withJSONObject: input).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, file])
        try #require(run.status == 0, "python3 with the standard library is needed for this test: \(run.stderr)")
        return try #require(run.json, "python3 wrote no JSON: \(run.stdout)")
    }

    static func integer(_ a: IPAddress) -> String {
        // Decimal text of a 128-bit value, by long division by 10.
        var words = [a.high >> 32, a.high & 0xFFFF_FFFF, a.low >> 32, a.low & 0xFFFF_FFFF]
        var digits: [Character] = []
        repeat {
            var remainder: UInt64 = 0
            for i in 0..<4 {
                let value = remainder << 32 | words[i]
                words[i] = value / 10
                remainder = value % 10
            }
            digits.append(Character(String(remainder)))
        } while words.contains { $0 != 0 }
        return String(digits.reversed())
    }

    @Test func readsWhatPythonReads() throws {
        let cases = Self.fixed + Self.generated(600)
        let expected = try #require(try Self.python(Self.reference, cases) as? [Any])
        try #require(expected.count == cases.count)
        var valid = 0
        for (text, reading) in zip(cases, expected) {
            let python = reading as? [Any]
            if !text.contains("/") {
                let ours = IPAddress(text)
                #expect(
                    (ours == nil) == (python == nil),
                    "\(text): Vigil \(ours.map { "\($0)" } ?? "refuses"), Python \(python == nil ? "refuses" : "reads")")
                guard let ours, let python else { continue }
                #expect(Self.integer(ours) == python[0] as? String, "\(text)")
                #expect(ours.description == python[1] as? String, "\(text)")
            }
            let network = IPNetwork(text)
            #expect((network == nil) == (python == nil), "\(text) as a network: Vigil \(network.map { "\($0)" } ?? "refuses")")
            guard let network, let python else { continue }
            valid += 1
            #expect(Self.integer(network.address) == python[0] as? String, "\(text)")
            #expect(network.bits == python[2] as? Int, "\(text)")
            #expect(Self.integer(network.range.lowerBound) == python[0] as? String, "\(text)")
            #expect(Self.integer(network.range.upperBound) == python[3] as? String, "\(text)")
            if network.bits < 128 {
                #expect(network.description == "\(python[1])/\(network.prefixLength)", "\(text)")
            }
        }
        // The generator is meant to give both kinds in number.
        #expect(valid > 200 && cases.count - valid > 150, "\(valid) valid of \(cases.count)")
    }

    @Test func leadingZerosAreDecimalWherePythonRefusesThem() throws {
        let verdicts = try #require(
            try Self.python(
                """
                import ipaddress, json, sys
                def ok(t):
                    try: ipaddress.ip_address(t); return True
                    except ValueError: return False
                print(json.dumps([ok(t) for t in json.load(open(sys.argv[1]))]))
                """, ["01.2.3.4", "::ffff:010.0.0.1"]) as? [Bool])
        #expect(verdicts == [false, false])
        #expect(IPAddress("01.2.3.4") == IPAddress("1.2.3.4"))
        #expect(IPAddress("::ffff:010.0.0.1")?.description == "10.0.0.1")
    }

    @Test func containmentAgreesWithPython() throws {
        var rng = SplitMix64(seed: 7)
        let networks = [
            "10.0.0.0/8", "10.1.2.0/23", "172.16.0.0/12", "0.0.0.0/0", "1.2.3.4/32", "::/0", "::ffff:0:0/96", "::ffff:10.0.0.0/104",
            "fe80::/10", "2001:db8::/32", "2001:db8::1/128", "2603:1006:1400::/40", "::1/128", "8000::/1", "10.128.0.0/9",
        ]
        var addresses = ["10.0.0.0", "10.255.255.255", "11.0.0.0", "9.255.255.255", "::ffff:10.1.2.3", "febf:ffff::1", "fec0::1", "::1"]
        for _ in 0..<200 {
            let a = IPAddress(high: rng.next() >> UInt64.random(in: 0..<64, using: &rng), low: rng.next())
            addresses.append(Bool.random(using: &rng) ? IPAddress(v4: UInt32(truncatingIfNeeded: rng.next())).description : a.description)
        }
        let script = """
            import ipaddress, json, sys
            nets, addrs = json.load(open(sys.argv[1]))
            def v6(x): return x if x.version == 6 else ipaddress.IPv6Address("::ffff:" + str(x))
            def n6(n): return n if n.version == 6 else ipaddress.IPv6Network("::ffff:%s/%d" % (n.network_address, 96 + n.prefixlen))
            print(json.dumps([[v6(ipaddress.ip_address(a)) in n6(ipaddress.ip_network(n)) for a in addrs] for n in nets]))
            """
        let expected = try #require(try Self.python(script, [networks, addresses]) as? [[Bool]])
        for (n, row) in zip(networks, expected) {
            let network = try #require(IPNetwork(n))
            for (a, inside) in zip(addresses, row) {
                #expect(network.contains(try #require(IPAddress(a))) == inside, "\(n) ∋ \(a)")
            }
        }
        #expect(expected.joined().filter { $0 }.count > 100)
    }

    @Test func bytesAndGroupsSpellTheValue() throws {
        let a = try #require(IPAddress("2001:db8::ff00:42:8329"))
        #expect((0..<8).map { a.group($0) } == [0x2001, 0xdb8, 0, 0, 0, 0xff00, 0x42, 0x8329])
        #expect(a.bytes == [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0x00, 0x42, 0x83, 0x29])
        #expect(IPAddress("10.1.2.3")?.bytes.suffix(6) == [0xff, 0xff, 10, 1, 2, 3])
        #expect(IPNetwork("10.0.0.0/8") == IPNetwork("::ffff:10.0.0.0/104"))
        #expect(IPNetwork("10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(IPNetwork("1.2.3.4")?.description == "1.2.3.4")
    }
}
