// The compiled form of rules: flat arrays of condition nodes, field tests and value tests that the
// matcher walks by index, plus the literal pool, globs (VigilCore's `Glob`) and regexes they point into.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How one value is compared with a field.
enum TestKind: UInt8, Sendable {
    case exact, prefix, suffix, contains, glob, regex, compare, cidr, null, exists, notExists, fieldref
}

struct ValueTest: Sendable {
    var kind: TestKind
    var cased: Bool
    /// exact/prefix/suffix/contains: literal pool offset; glob/regex/cidr: index; fieldref: slot.
    var a: Int32
    /// Literal length; fieldref: mode.
    var b: Int32
    var number: Double = 0
    var op: ComparisonOperator = .eq
    var part: TimePart?
}

struct FieldTest: Sendable {
    /// Field slot, or -1 for keywords (any field's value).
    var slot: Int32
    var first: Int32
    var count: Int32
    var all: Bool
    var negated: Bool
}

enum NodeKind: UInt8, Sendable { case and, or, not, test, yes, no }

struct ProgramNode: Sendable {
    var kind: NodeKind
    /// and/or: first child in `children`; not: child node; test: field test index.
    var a: Int32
    /// and/or: child count.
    var b: Int32
}

/// A rule's regular expression: Swift `Regex` (full PCRE-style syntax) plus, when the pattern translates
/// exactly, its POSIX ERE form that the matcher prefers for speed. Read-only; shared by all threads.
final class RegexBox: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>
    let pattern: String
    let posix: (ere: String, ignoreCase: Bool)?
    let multiline: Bool
    let dotAll: Bool
    /// Literals every match contains (ASCII lower-cased): a value lacking one cannot match, and is answered
    /// without running the regex (glibc's `regexec` restarts at every candidate position: quadratic on long values).
    let necessary: [[UInt8]]
    /// Case may be ignored (`i`, or an inline `(?i)`): then the literals decide only on ASCII text, where ignoring
    /// case is ASCII's (Unicode folds `K`, the Kelvin sign, and `ſ` to ASCII letters).
    let mayIgnoreCase: Bool

    init(_ regex: Regex<AnyRegexOutput>, pattern: String, ignoreCase: Bool, multiline: Bool, dotAll: Bool) {
        self.regex = regex
        self.pattern = pattern
        self.multiline = multiline
        self.dotAll = dotAll
        self.necessary = RegexLiteral.runs(pattern).map { $0.map(ByteKeyTable.fold) }
        self.mayIgnoreCase = ignoreCase || RegexLiteral.hasFlag("i", pattern)
        if let t = PosixRegex.translate(pattern),
            CompiledPosixRegex(t.ere, ignoreCase: t.ignoreCase || ignoreCase, multiline: multiline) != nil
        {
            posix = (t.ere, t.ignoreCase || ignoreCase)
        } else {
            posix = nil
        }
    }

    func compilePosix() -> CompiledPosixRegex? {
        posix.flatMap { CompiledPosixRegex($0.ere, ignoreCase: $0.ignoreCase, multiline: multiline) }
    }

    /// POSIX gives PCRE's answer unless the text has a line break and the flags differ in how `.` and
    /// anchors treat it (POSIX couples them; PCRE does not).
    @inline(__always) func posixAgrees(_ text: UnsafeRawBufferPointer) -> Bool {
        if dotAll != multiline { return true }
        return !text.contains(0x0A)
    }

    /// Whether every necessary literal occurs in `text` (ASCII case ignored); true when that cannot be decided.
    @inline(__always) func literalsOccur(_ text: UnsafeRawBufferPointer) -> Bool {
        if necessary.isEmpty { return true }
        if mayIgnoreCase && !CompiledPosixRegex.isASCII(text) { return true }
        for literal in necessary {
            let found = literal.withUnsafeBytes { Self.containsIgnoringASCIICase($0, in: text) }
            if !found { return false }
        }
        return true
    }

    /// Substring search ignoring ASCII case; `needle` is lower-case. Anchored on the needle's first byte that is not a
    /// letter (found with memchr) when it has one.
    static func containsIgnoringASCIICase(_ needle: UnsafeRawBufferPointer, in text: UnsafeRawBufferPointer) -> Bool {
        let m = needle.count
        let n = text.count
        if m == 0 { return true }
        if n < m { return false }
        @inline(__always) func matches(at start: Int) -> Bool {
            for k in 0..<m where ByteKeyTable.fold(text[start + k]) != needle[k] { return false }
            return true
        }
        if let anchor = needle.firstIndex(where: { !(0x61...0x7A).contains($0) }) {
            let byte = Int32(needle[anchor])
            let base = text.baseAddress!
            var from = anchor
            let last = n - m + anchor  // the anchor's last possible position
            while from <= last {
                guard let hit = memchr(base + from, byte, last - from + 1) else { return false }
                let at = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                if matches(at: at - anchor) { return true }
                from = at + 1
            }
            return false
        }
        for start in 0...(n - m) where matches(at: start) { return true }
        return false
    }

    func matchesSwift(_ text: UnsafeRawBufferPointer) -> Bool {
        let string = String(decoding: text, as: UTF8.self)
        return (try? regex.firstMatch(in: string)) != nil
    }
}

/// A necessary literal of a compiled rule: if the rule matches, the field holds this literal here.
struct Atom: Hashable, Sendable {
    var slot: Int32
    var kind: TestKind  // exact, prefix, suffix or contains
    var bytes: [UInt8]
}

/// An immutable array in manually managed memory: indexing it on the hot path involves no reference
/// counting. The owner frees it once (RuleSet's deinit). Elements must be trivial (no references).
struct FrozenBuffer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
    let count: Int

    init(_ array: [Element]) {
        count = array.count
        base = .allocate(capacity: max(1, array.count))
        _ = UnsafeMutableBufferPointer(start: base, count: array.count).initialize(from: array)
    }

    @inline(__always) subscript(_ i: Int) -> Element { base[i] }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count * MemoryLayout<Element>.stride) }

    func free() {
        base.deinitialize(count: count)
        base.deallocate()
    }
}
