// Sigma rules → the compiled program: one unit per (rule, event source), field names resolved to
// slots with the source's renames, values lowered to folded literals, globs or regexes, and the
// necessary literals (atoms) that let the matcher skip rules whose literals do not occur.
import VigilCore

struct CompileError: Error {
    var code: String
    var message: String
    var line: Int
    var column: Int
}

/// One rule as it runs on one kind of event source.
struct Unit: Sendable {
    var rule: Int32
    var root: Int32
    /// True when the rule can only match if one of its atoms occurred in the event.
    var atomized: Bool
}

/// Where a unit runs.
enum UnitScope: Hashable {
    case channel(String, [Int])  // folded channel, event IDs (empty: any)
    case windowsEvents  // any event with a channel
    case otherEvents  // events without a channel
    case anyEvent
}

struct ProgramBuilder {
    /// Pseudo slot for keyword atoms: matched against every field value. Registered first, under a name no event uses.
    static let anyFieldSlot: Int32 = 0
    static let anyFieldName = "\u{1}any-field"
    var nodes: [ProgramNode] = []
    var children: [Int32] = []
    var fieldTests: [FieldTest] = []
    var valueTests: [ValueTest] = []
    var pool: [UInt8] = []
    var globs: [Glob] = []
    var regexes: [RegexBox] = []
    var cidrs: [IPNetwork] = []
    var fields = ByteKeyTable(capacity: 1024)
    var slotNames: [String] = []
    var regexCache: [String: Int32] = [:]

    mutating func slot(_ name: String) -> Int32 {
        let bytes = Array(name.utf8)
        if let s = bytes.withUnsafeBytes({ fields.lookup($0) }) { return s }
        let s = Int32(slotNames.count)
        slotNames.append(name)
        fields.insert(bytes, s)
        return s
    }

    /// No event field has this name (a JSON key's raw bytes never hold a NUL): the slot of fields a source does
    /// not record, so their tests see an absent field.
    static let unrecordedField = "\u{0}unrecorded"

    /// The slot name of Sigma field `field` on `source`: its renamed name, or `unrecordedField`.
    static func recordedName(_ field: String, _ source: EventSource?) -> String {
        guard let source else { return field }
        return source.recordedName(field) ?? unrecordedField
    }

    mutating func add(_ node: ProgramNode) -> Int32 {
        nodes.append(node)
        return Int32(nodes.count - 1)
    }

    mutating func addGroup(_ kind: NodeKind, _ kids: [Int32]) -> Int32 {
        if kids.count == 1 { return kids[0] }
        let first = Int32(children.count)
        // Sigma's and/or have no side effects: evaluate cheap children first, regexes last.
        children += kids.enumerated().sorted { (cost($0.element), $0.offset) < (cost($1.element), $1.offset) }.map(\.element)
        return add(ProgramNode(kind: kind, a: first, b: Int32(kids.count)))
    }

    /// Rough evaluation cost of a node: regexes and keyword scans are expensive.
    func cost(_ index: Int32) -> Int {
        let node = nodes[Int(index)]
        switch node.kind {
        case .and, .or: return (node.a..<(node.a + node.b)).reduce(0) { $0 + cost(children[Int($1)]) }
        case .not: return cost(node.a)
        case .yes, .no: return 0
        case .test:
            let test = fieldTests[Int(node.a)]
            if test.slot < 0 { return 50 }
            var c = 1
            for v in Int(test.first)..<Int(test.first + test.count) {
                switch valueTests[v].kind {
                case .regex: c += 100
                case .glob: c += 2
                default: break
                }
            }
            return c
        }
    }

    /// Compiles one rule for one source. Atoms are collected alongside.
    mutating func compile(_ rule: SigmaRule, source: EventSource?, filters: [SigmaFilter]) throws(CompileError) -> (
        root: Int32, atoms: [Atom]?
    ) {
        var roots: [Int32] = []
        var atomSets: [[Atom]?] = []
        let main = try compileDetection(rule.detection, source: source)
        roots.append(main.0)
        atomSets.append(main.1)
        for filter in filters {
            let f = try compileDetection(filter.detection, source: source)
            roots.append(f.0)
            atomSets.append(f.1)
        }
        let root = addGroup(.and, roots)
        return (root, Self.best(atomSets))
    }

    mutating func compileDetection(_ detection: SigmaDetection, source: EventSource?) throws(CompileError) -> (Int32, [Atom]?) {
        var compiled: [String: (Int32, [Atom]?)] = [:]
        for (name, node) in detection.identifiers { compiled[name] = try compileNode(node, source: source) }
        let names = detection.identifiers.map(\.name)
        var roots: [Int32] = []
        var sets: [[Atom]?] = []
        for condition in detection.conditions {
            let (r, a) = compileCondition(condition, compiled, names)
            roots.append(r)
            sets.append(a)
        }
        return (addGroup(.or, roots), Self.union(sets))
    }

    mutating func compileCondition(_ expr: ConditionExpr, _ ids: [String: (Int32, [Atom]?)], _ names: [String]) -> (Int32, [Atom]?) {
        switch expr {
        case .identifier(let name):
            return ids[name] ?? (add(ProgramNode(kind: .no, a: 0, b: 0)), [])
        case .not(let x):
            let (r, _) = compileCondition(x, ids, names)
            return (add(ProgramNode(kind: .not, a: r, b: 0)), nil)
        case .and(let xs):
            let parts = xs.map { compileCondition($0, ids, names) }
            return (addGroup(.and, parts.map(\.0)), Self.best(parts.map(\.1)))
        case .or(let xs):
            let parts = xs.map { compileCondition($0, ids, names) }
            return (addGroup(.or, parts.map(\.0)), Self.union(parts.map(\.1)))
        case .oneOf(let pattern), .allOf(let pattern):
            let matched = ConditionExpr.resolve(pattern, in: names).compactMap { ids[$0] }
            if matched.isEmpty { return (add(ProgramNode(kind: .no, a: 0, b: 0)), []) }
            if case .allOf = expr { return (addGroup(.and, matched.map(\.0)), Self.best(matched.map(\.1))) }
            return (addGroup(.or, matched.map(\.0)), Self.union(matched.map(\.1)))
        }
    }

    mutating func compileNode(_ node: DetectionNode, source: EventSource?) throws(CompileError) -> (Int32, [Atom]?) {
        switch node {
        case .allOf(let items):
            var kids: [Int32] = []
            var sets: [[Atom]?] = []
            for item in items {
                let (r, a) = try compileNode(item, source: source)
                kids.append(r)
                sets.append(a)
            }
            if kids.isEmpty { return (add(ProgramNode(kind: .yes, a: 0, b: 0)), nil) }
            return (addGroup(.and, kids), Self.best(sets))
        case .anyOf(let items):
            var kids: [Int32] = []
            var sets: [[Atom]?] = []
            for item in items {
                let (r, a) = try compileNode(item, source: source)
                kids.append(r)
                sets.append(a)
            }
            if kids.isEmpty { return (add(ProgramNode(kind: .no, a: 0, b: 0)), []) }
            return (addGroup(.or, kids), Self.union(sets))
        case .item(let item):
            return try compileItem(item, source: source)
        }
    }

    mutating func compileItem(_ item: FieldItem, source: EventSource?) throws(CompileError) -> (Int32, [Atom]?) {
        var slotIndex: Int32 = -1
        var valueMap: [String: String]?
        if let field = item.field {
            valueMap = source?.valueMaps[field]
            slotIndex = slot(Self.recordedName(field, source))
        }
        let first = Int32(valueTests.count)
        var atoms: [Atom] = []
        var atomizable = true
        let values = source?.values(of: item) ?? item.values
        for value in values {
            var v = value
            if let valueMap, case .string(let s, let cased) = value, let plain = s.plainBytes,
                let replacement = valueMap[String(decoding: plain, as: UTF8.self).lowercased()]
            {
                v = .string(SigmaString(plain: Array(replacement.utf8)), cased: cased)
            }
            let (test, atom) = try lower(v, item: item, source: source)
            valueTests.append(test)
            if let atom {
                // Keywords search every field: their literal, anywhere in any value, is the atom.
                let kind: TestKind = slotIndex < 0 && atom.kind != .regex ? .contains : atom.kind
                atoms.append(Atom(slot: slotIndex < 0 ? ProgramBuilder.anyFieldSlot : slotIndex, kind: kind, bytes: atom.bytes))
            } else {
                atomizable = false
            }
        }
        let test = FieldTest(slot: slotIndex, first: first, count: Int32(values.count), all: item.all, negated: item.negated)
        fieldTests.append(test)
        let node = add(ProgramNode(kind: .test, a: Int32(fieldTests.count - 1), b: 0))
        if item.negated { return (node, nil) }
        if item.all {
            // Every value must match: any single one of them is necessary.
            guard let best = atoms.max(by: { $0.bytes.count < $1.bytes.count }) else { return (node, nil) }
            return (node, [best])
        }
        return (node, atomizable && !atoms.isEmpty ? atoms : nil)
    }

    /// One value → a test, plus its atom when it has a literal.
    mutating func lower(_ value: SigmaValue, item: FieldItem, source: EventSource?) throws(CompileError) -> (
        ValueTest, (kind: TestKind, bytes: [UInt8])?
    ) {
        func fail(_ code: String, _ message: String) -> CompileError {
            CompileError(code: code, message: message, line: item.line, column: item.column)
        }
        switch value {
        case .string(let s, let cased):
            func fold(_ b: [UInt8]) -> [UInt8] { cased ? b : Folding.fold(b) }
            let parts = s.parts
            var literalParts: [[UInt8]] = []
            for p in parts { if case .literal(let b) = p { literalParts.append(fold(b)) } }
            let hasOne = parts.contains(.anyOne)
            var kind: TestKind = .glob
            var literal: [UInt8] = []
            if !hasOne {
                switch (parts.first, parts.last, literalParts.count) {
                case (nil, nil, _): kind = .exact  // empty string
                case (.literal?, .literal?, 1): kind = .exact
                case (.literal?, .anyRun?, 1): kind = .prefix
                case (.anyRun?, .literal?, 1): kind = .suffix
                case (.anyRun?, .anyRun?, 1): kind = .contains
                case (.anyRun?, .anyRun?, 0): kind = .glob  // `*`: any value
                default: kind = .glob
                }
                if kind != .glob { literal = literalParts.first ?? [] }
            }
            var test = ValueTest(kind: kind, cased: cased, a: 0, b: 0)
            if kind == .glob {
                let tokens: [Glob.Token] = parts.map {
                    switch $0 {
                    case .literal(let b): .literal(fold(b))
                    case .anyRun: .anyRun
                    case .anyOne: .anyOne
                    }
                }
                globs.append(Glob(tokens: tokens))
                test.a = Int32(globs.count - 1)
                let longest = literalParts.max(by: { $0.count < $1.count }) ?? []
                let atom: (TestKind, [UInt8])? = longest.isEmpty ? nil : (.contains, cased ? Folding.fold(longest) : longest)
                return (test, atom.map { (kind: $0.0, bytes: $0.1) })
            }
            test.a = Int32(pool.count)
            test.b = Int32(literal.count)
            pool += literal
            let atomBytes = cased ? Folding.fold(literal) : literal
            return (test, atomBytes.isEmpty ? nil : (kind: kind, bytes: atomBytes))
        case .regex(let pattern, let i, let m, let s):
            let key = "\(i ? 1 : 0)\(m ? 1 : 0)\(s ? 1 : 0)\(pattern)"
            // Tagged `.regex` (scanned like `contains`) so that AND prefers the other items' literals: a literal
            // inside a regex is often a common prefix (call traces, paths) that selects little.
            let atom = RegexLiteral.required(pattern).map { (kind: TestKind.regex, bytes: Folding.fold($0)) }
            if let index = regexCache[key] { return (ValueTest(kind: .regex, cased: true, a: index, b: 0), atom) }
            var regex: Regex<AnyRegexOutput>
            do { regex = try Regex(PCRESyntax.swiftPattern(pattern, dotAll: s, multiline: m)) } catch {
                throw fail("regex-unsupported", "regular expression '\(pattern)' cannot be compiled: \(error)")
            }
            // PCRE (the Sigma regex dialect) matches code points; Swift's default, grapheme clusters, reads
            // `\r\n` or a letter with its combining mark as one character.
            regex = regex.matchingSemantics(.unicodeScalar)
            if i { regex = regex.ignoresCase() }
            if m { regex = regex.anchorsMatchLineEndings() }
            if s { regex = regex.dotMatchesNewlines() }
            regexes.append(RegexBox(regex, pattern: pattern, ignoreCase: i, multiline: m, dotAll: s))
            let index = Int32(regexes.count - 1)
            regexCache[key] = index
            return (ValueTest(kind: .regex, cased: true, a: index, b: 0), atom)
        case .compare(let op, let n, let part):
            return (ValueTest(kind: .compare, cased: true, a: 0, b: 0, number: n, op: op, part: part), nil)
        case .cidr(let net):
            cidrs.append(net.network)
            return (ValueTest(kind: .cidr, cased: true, a: Int32(cidrs.count - 1), b: 0), nil)
        case .null:
            return (ValueTest(kind: .null, cased: true, a: 0, b: 0), nil)
        case .exists(let yes):
            return (ValueTest(kind: yes ? .exists : .notExists, cased: true, a: 0, b: 0), nil)
        case .fieldref(let other, let mode, let cased):
            let mapped = Self.recordedName(other, source)
            let modeCode: Int32 =
                switch mode {
                case .equals: 0
                case .startsWith: 1
                case .endsWith: 2
                case .contains: 3
                }
            return (ValueTest(kind: .fieldref, cased: cased, a: slot(mapped), b: modeCode), nil)
        }
    }

    /// AND: any child's atoms are necessary; pick the most selective (longest shortest literal, then fewest).
    static func best(_ sets: [[Atom]?]) -> [Atom]? {
        var chosen: [Atom]?
        var score = (-1, Int.min)
        for case let set? in sets {
            if set.isEmpty { return [] }
            // Whole-value literals are far more selective than substrings of the same length.
            let s = (
                set.map { $0.kind == .regex ? $0.bytes.count / 4 : $0.bytes.count + ($0.kind == .exact ? 16 : 0) }.min() ?? 0, -set.count
            )
            if s > score {
                score = s
                chosen = set
            }
        }
        return chosen
    }

    /// OR: every branch needs atoms, and any of them may be the one.
    static func union(_ sets: [[Atom]?]) -> [Atom]? {
        var all: [Atom] = []
        for set in sets {
            guard let set else { return nil }
            all += set
        }
        return all
    }
}

/// Literals that every match of a regular expression must contain, found conservatively: top-level runs of plain
/// characters; none when the pattern has a top-level alternation or the extended flag (`(?x)`: spaces not literal).
enum RegexLiteral {
    /// The longest necessary literal of at least three bytes (the rule's atom for the prefilter).
    static func required(_ pattern: String) -> [UInt8]? {
        guard let best = runs(pattern).max(by: { $0.count < $1.count }), best.count >= 3 else { return nil }
        return best
    }

    /// Every necessary literal (one byte or more), distinct, as UTF-8.
    static func runs(_ pattern: String) -> [[UInt8]] {
        let p = Array(pattern.unicodeScalars)
        if hasFlag("x", pattern) { return [] }
        var depth = 0
        var runs: [[Character]] = []
        var run: [Character] = []
        var i = 0
        func endRun() {
            if !run.isEmpty { runs.append(run) }
            run = []
        }
        // A quantifier that allows zero repetitions makes the character before it optional.
        func optional(after k: Int) -> Bool {
            guard k < p.count else { return false }
            return p[k] == "?" || p[k] == "*" || (p[k] == "{" && k + 1 < p.count && (p[k + 1] == "0" || p[k + 1] == ","))
        }
        while i < p.count {
            let c = p[i]
            switch c {
            case "\\":
                guard i + 1 < p.count else { return [] }
                let e = p[i + 1]
                let literal = "\\.*+?()[]{}|^$/-_ \"'#%&,:;<=>@`~!".unicodeScalars.contains(e)
                if depth == 0 && literal && !optional(after: i + 2) {
                    run.append(Character(e))
                } else {
                    endRun()
                }
                i += 2
                // Escapes with an argument (\x41, \u0041, \p{L}, \cA, \N{…}, \o{…}, \k<n>, \g1, backreferences):
                // the characters after them are not literals of their own.
                if !literal && "xupPcNokg0123456789".unicodeScalars.contains(e) {
                    while i < p.count
                        && (p[i].properties.isAlphabetic || p[i].properties.numericType != nil || "{}<>'".unicodeScalars.contains(p[i]))
                    {
                        i += 1
                    }
                }
                continue
            case "(":
                endRun()
                depth += 1
            case ")":
                endRun()
                depth -= 1
            case "|":
                if depth == 0 { return [] }
                endRun()
            case "[":
                endRun()
                // Skip the class.
                i += 1
                if i < p.count && p[i] == "^" { i += 1 }
                if i < p.count && p[i] == "]" { i += 1 }
                while i < p.count && p[i] != "]" {
                    if p[i] == "\\" { i += 1 }
                    i += 1
                }
            case ".", "^", "$", "*", "+", "?", "{", "}":
                endRun()
                if c == "{" {
                    while i < p.count && p[i] != "}" { i += 1 }
                }
            default:
                if depth == 0 && !optional(after: i + 1) {
                    run.append(Character(c))
                } else {
                    endRun()
                }
            }
            i += 1
        }
        endRun()
        var seen: Set<[UInt8]> = []
        return runs.map { Array(String($0).utf8) }.filter { seen.insert($0).inserted }
    }

    /// Whether an inline flag group (`(?i)`, `(?x:…)`, `(?-i)`) names `flag` anywhere in the pattern.
    static func hasFlag(_ flag: Character, _ pattern: String) -> Bool {
        let p = Array(pattern)
        var i = 0
        while i + 2 < p.count {
            if p[i] == "\\" {
                i += 2
                continue
            }
            if p[i] == "(" && p[i + 1] == "?" {
                var k = i + 2
                while k < p.count && (p[k].isLetter || p[k] == "-" || p[k] == "^") {
                    if p[k] == flag { return true }
                    k += 1
                }
            }
            i += 1
        }
        return false
    }
}
