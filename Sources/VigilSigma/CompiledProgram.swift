// The compiled form of rules: flat arrays of condition nodes, field tests and value tests that the
// matcher walks by index, plus the literal pool, globs (VigilCore's `Glob`) and regexes they point into.

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

    init(_ regex: Regex<AnyRegexOutput>, pattern: String, ignoreCase: Bool, multiline: Bool, dotAll: Bool) {
        self.regex = regex
        self.pattern = pattern
        self.multiline = multiline
        self.dotAll = dotAll
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
