// The rules every SIEM target is tested on: one per modifier and per condition form, each a detection block
// (the `detection:` section of a rule whose logsource adds no conditions, so the query is the detection alone).

enum SIEMCases {
    static let modifiers: [(name: String, detection: String)] = [
        ("plain", "s:\n  Image: 'C:\\Windows\\cmd.exe'\ncondition: s"),
        ("contains", "s:\n  CommandLine|contains: 'mimikatz'\ncondition: s"),
        ("startswith", "s:\n  CommandLine|startswith: 'powershell'\ncondition: s"),
        ("endswith", "s:\n  Image|endswith: '\\cmd.exe'\ncondition: s"),
        ("wildcards", "s:\n  F: 'a*b?c'\ncondition: s"),
        ("escaped wildcards", "s:\n  F: 'a\\*b\\?c\\\\'\ncondition: s"),
        ("only a wildcard", "s:\n  F: '*'\ncondition: s"),
        ("empty value", "s:\n  F: ''\ncondition: s"),
        ("number", "s:\n  LogonType: 3\ncondition: s"),
        ("list is OR", "s:\n  F:\n    - a\n    - b\ncondition: s"),
        ("all", "s:\n  F|contains|all:\n    - a\n    - b\ncondition: s"),
        ("exists", "s:\n  F|exists: true\n  G|exists: false\ncondition: s"),
        ("null", "s:\n  F: null\ncondition: s"),
        ("cased", "s:\n  F|cased: 'AbC'\ncondition: s"),
        ("cased contains", "s:\n  F|contains|cased: 'AbC'\ncondition: s"),
        ("neq", "s:\n  F|neq:\n    - a\n    - b\ncondition: s"),
        ("windash", "s:\n  CommandLine|windash|contains: ' -enc '\ncondition: s"),
        ("re", "s:\n  F|re: 'a.b\\d+$'\ncondition: s"),
        ("re flags i s", "s:\n  F|re|i|s: '^ab.c'\ncondition: s"),
        ("re flag m", "s:\n  F|re|m: '^a$'\ncondition: s"),
        ("base64", "s:\n  F|base64: 'abc'\ncondition: s"),
        ("base64offset", "s:\n  F|base64offset|contains: 'http'\ncondition: s"),
        ("utf16le base64offset", "s:\n  F|utf16le|base64offset|contains: 'cmd'\ncondition: s"),
        ("utf16be base64", "s:\n  F|utf16be|base64: 'a'\ncondition: s"),
        ("utf16 base64", "s:\n  F|utf16|base64: 'a'\ncondition: s"),
        ("wide base64", "s:\n  F|wide|base64: 'a'\ncondition: s"),
        ("utf16 without base64", "s:\n  F|wide|contains: 'cmd'\ncondition: s"),
        ("lt lte gt gte", "s:\n  A|lt: 5\n  B|lte: 5\n  C|gt: 1.5\n  D|gte: -2\ncondition: s"),
        ("time part", "s:\n  UtcTime|hour: 3\ncondition: s"),
        ("cidr", "s:\n  F|cidr:\n    - 10.0.0.0/8\n    - 192.168.0.0/23\ncondition: s"),
        ("cidr ipv6", "s:\n  F|cidr: '2001:db8::/32'\ncondition: s"),
        ("fieldref", "s:\n  F|fieldref: G\ncondition: s"),
        ("fieldref startswith", "s:\n  F|fieldref|startswith: G\ncondition: s"),
        ("fieldref endswith", "s:\n  F|fieldref|endswith: G\ncondition: s"),
        ("fieldref contains", "s:\n  F|fieldref|contains: G\ncondition: s"),
        ("fieldref cased", "s:\n  F|fieldref|cased: G\ncondition: s"),
        ("keyword", "s:\n  - 'evil'\ncondition: s"),
        ("keyword with wildcard", "s:\n  - 'ev*il'\ncondition: s"),
    ]

    static let conditions: [(name: String, detection: String)] = [
        ("and", "a:\n  F: x\nb:\n  G: y\ncondition: a and b"),
        ("or", "a:\n  F: x\nb:\n  G: y\ncondition: a or b"),
        ("not", "a:\n  F: x\ncondition: not a"),
        ("not of a group", "a:\n  F: x\nb:\n  G: y\ncondition: not (a or b)"),
        ("1 of", "sel_a:\n  F: x\nsel_b:\n  G: y\ncondition: 1 of sel_*"),
        ("all of", "sel_a:\n  F: x\nsel_b:\n  G: y\ncondition: all of sel_*"),
        ("1 of them", "a:\n  F: x\nb:\n  G: y\ncondition: 1 of them"),
        ("nested", "a:\n  F: x\nb:\n  G: y\nc:\n  H: z\ncondition: a and not (b or c)"),
        ("list of maps", "s:\n  - F: x\n  - G: y\ncondition: s"),
        ("regex under not", "a:\n  F: x\nb:\n  G|re: 'y'\ncondition: a and not b"),
        ("regex under or", "a:\n  F: x\nb:\n  G|re: 'y'\ncondition: a or b"),
        ("regex group under and", "a:\n  F: x\nb:\n  G|re: 'y'\nc:\n  H|re: 'z'\nd:\n  I|re: 'w'\ncondition: a and (b or c) and d"),
    ]
}

extension SIEMCases {
    /// Values that would end a string literal early or inject syntax if printed unescaped (the values themselves;
    /// rules write them in Sigma notation, see `SIEM.hostileDetection`).
    static let hostile: [(name: String, value: String)] = [
        ("quote pipe", #""; | delete index=main ""#),
        ("trailing backslash", #"C:\Temp\"#),
        ("backslash quote", #"a\"b OR 1==1"#),
        ("single quote", "x') or true or ('"),
        ("lucene operators", "/ OR *:* OR /"),
        ("backticks", "` | where 1==1 ```"),
        ("line break", "line\nbreak"),
        ("regex metacharacters", #"^(a+)+$[.]{2}\d|"#),
    ]

    /// A YAML scalar holding `value` exactly: double-quoted, with YAML's escapes.
    static func yamlQuoted(_ value: String) -> String {
        var out = "\""
        for c in value.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
