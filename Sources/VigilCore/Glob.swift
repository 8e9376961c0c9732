// Wildcard patterns, one definition for the package: `*` any run of characters, `?` one character, the rest
// literal; Sigma's backslash escapes on request; path globs where `*` and `?` stay inside a folder and `**`
// crosses folders. Sigma values and condition patterns, hunt's --where and rule selection, and coverage's
// path overrides all match through this type.

/// A wildcard pattern over UTF-8 text, matched against the whole text.
public struct Glob: Sendable, Hashable {
    public enum Token: Sendable, Hashable {
        case literal([UInt8])
        /// `*`: any run of characters, possibly empty (inside one folder in a path glob).
        case anyRun
        /// `?`: exactly one character (not the separator in a path glob).
        case anyOne
        /// `**` in a path glob: any run, separators included; `**/` also matches no folder at all.
        case anyPath
    }

    /// How a backslash in pattern text reads.
    public enum Escaping: Sendable {
        /// A backslash is an ordinary character.
        case none
        /// Sigma's rule: `\*`, `\?` and `\\` are the character after the backslash; a backslash before anything
        /// else is itself.
        case sigma
    }

    /// Adjacent literals joined, repeated stars as one.
    public let tokens: [Token]
    /// In a path glob, the byte that `*` and `?` do not cross.
    public let separator: UInt8?
    /// Literals are lower-cased and `matches(_: some StringProtocol)` lower-cases the text.
    public let ignoresCase: Bool
    /// The tokens as one instruction per literal byte (0...255) or wildcard, for the matching loops.
    private let program: [UInt16]

    private static let anyOne: UInt16 = 256
    private static let anyRun: UInt16 = 257
    private static let anyPath: UInt16 = 258

    /// A pattern from tokens whose literals are taken as given (already folded when the text will be).
    public init(tokens: [Token], separator: UInt8? = nil) {
        self.init(tokens: tokens, separator: separator, ignoresCase: false)
    }

    /// A pattern from text. `separator`: a path glob (`**` is `.anyPath`); `ignoringCase`: literals and the text
    /// are compared lower-cased.
    public init(_ pattern: some StringProtocol, escaping: Escaping = .none, separator: UInt8? = nil, ignoringCase: Bool = false) {
        let text = ignoringCase ? pattern.lowercased() : String(pattern)
        self.init(tokens: Self.tokens(text, escaping: escaping, paths: separator != nil), separator: separator, ignoresCase: ignoringCase)
    }

    private init(tokens: [Token], separator: UInt8?, ignoresCase: Bool) {
        var joined: [Token] = []
        for token in tokens {
            switch (joined.last, token) {
            case (.literal(let a)?, .literal(let b)): joined[joined.count - 1] = .literal(a + b)
            case (_, .literal(let b)) where b.isEmpty: continue
            case (.anyRun?, .anyRun), (.anyPath?, .anyPath): continue
            default: joined.append(token)
            }
        }
        self.tokens = joined
        self.separator = separator
        self.ignoresCase = ignoresCase
        program = joined.flatMap { token -> [UInt16] in
            switch token {
            case .literal(let bytes): bytes.map(UInt16.init)
            case .anyOne: [Self.anyOne]
            case .anyRun: [Self.anyRun]
            case .anyPath: [Self.anyPath]
            }
        }
    }

    /// The tokens of pattern text.
    public static func tokens(_ pattern: String, escaping: Escaping = .none, paths: Bool = false) -> [Token] {
        var tokens: [Token] = []
        var literal: [UInt8] = []
        func flush() {
            if !literal.isEmpty { tokens.append(.literal(literal)) }
            literal.removeAll()
        }
        let bytes = Array(pattern.utf8)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            let next = i + 1 < bytes.count ? bytes[i + 1] : 0
            switch c {
            case UInt8(ascii: "\\") where escaping == .sigma:
                if next == UInt8(ascii: "*") || next == UInt8(ascii: "?") || next == UInt8(ascii: "\\") {
                    literal.append(next)
                    i += 1
                } else {
                    literal.append(c)
                }
            case UInt8(ascii: "*"):
                flush()
                if paths && next == UInt8(ascii: "*") {
                    tokens.append(.anyPath)
                    i += 1
                } else {
                    tokens.append(.anyRun)
                }
            case UInt8(ascii: "?"):
                flush()
                tokens.append(.anyOne)
            default:
                literal.append(c)
            }
            i += 1
        }
        flush()
        return tokens
    }

    /// `*` and `?` wildcards, no escapes, case as given: Sigma's condition patterns (`1 of selection_*`).
    public static func matches(_ pattern: String, _ text: String) -> Bool { Glob(pattern).matches(text) }

    public func matches(_ text: some StringProtocol) -> Bool {
        var text = ignoresCase ? text.lowercased() : String(text)
        return text.withUTF8 { matches(UnsafeRawBufferPointer($0)) }
    }

    /// Whether the whole of `text` matches; when the glob ignores case, `text` must be lower-cased already.
    public func matches(_ text: UnsafeRawBufferPointer) -> Bool {
        program.withUnsafeBufferPointer { p in
            separator == nil ? Self.match(p, text) : Self.matchPath(p, 0, text, 0, separator!)
        }
    }

    /// Text past one character: a whole UTF-8 sequence (not beyond `end`).
    @inline(__always) private static func skipCharacter(_ text: UnsafeRawBufferPointer, _ i: Int, _ end: Int) -> Int {
        var j = i + 1
        while j < end && text[j] & 0xC0 == 0x80 { j += 1 }
        return j
    }

    /// Without a separator: the literal ends are compared in place, then linear matching that, on a mismatch,
    /// moves only the last `*` on (a later `*` can absorb whatever an earlier one would have), straight to the
    /// next place the literal after it can start. No pattern takes more than text × pattern steps.
    private static func match(_ p: UnsafeBufferPointer<UInt16>, _ text: UnsafeRawBufferPointer) -> Bool {
        var pStart = 0
        var pEnd = p.count
        var tStart = 0
        var tEnd = text.count
        while pStart < pEnd && p[pStart] < 256 {
            guard tStart < tEnd, UInt8(truncatingIfNeeded: p[pStart]) == text[tStart] else { return false }
            pStart += 1
            tStart += 1
        }
        if pStart == pEnd { return tStart == tEnd }
        // p[pStart] is a wildcard, so this stops there at the latest.
        while p[pEnd - 1] < 256 {
            guard tEnd > tStart, UInt8(truncatingIfNeeded: p[pEnd - 1]) == text[tEnd - 1] else { return false }
            pEnd -= 1
            tEnd -= 1
        }
        var pi = pStart
        var ti = tStart
        var star = -1
        var mark = 0
        while ti < tEnd {
            if pi < pEnd {
                let u = p[pi]
                if u < 256 {
                    if UInt8(truncatingIfNeeded: u) == text[ti] {
                        pi += 1
                        ti += 1
                        continue
                    }
                } else if u == anyOne {
                    pi += 1
                    ti = skipCharacter(text, ti, tEnd)
                    continue
                } else {
                    // A last `*` takes whatever is left.
                    if pi + 1 == pEnd { return true }
                    star = pi
                    mark = ti
                    pi += 1
                    continue
                }
            }
            guard star >= 0 else { return false }
            pi = star + 1
            mark = skipCharacter(text, mark, tEnd)
            if pi < pEnd && p[pi] < 256 {
                let first = UInt8(truncatingIfNeeded: p[pi])
                while mark < tEnd && text[mark] != first { mark += 1 }
            }
            ti = mark
        }
        while pi < pEnd && p[pi] >= anyRun { pi += 1 }
        return pi == pEnd
    }

    /// Path globs: two kinds of star, so every place a star may end is tried (paths are short).
    private static func matchPath(_ p: UnsafeBufferPointer<UInt16>, _ from: Int, _ text: UnsafeRawBufferPointer, _ at: Int, _ sep: UInt8)
        -> Bool
    {
        var pi = from
        var ti = at
        while pi < p.count {
            let u = p[pi]
            if u >= anyRun {
                let crosses = u == anyPath
                pi += 1
                if crosses, pi < p.count, p[pi] == UInt16(sep), matchPath(p, pi + 1, text, ti, sep) { return true }
                var j = ti
                while true {
                    if matchPath(p, pi, text, j, sep) { return true }
                    guard j < text.count, crosses || text[j] != sep else { return false }
                    j += 1
                }
            }
            guard ti < text.count else { return false }
            if u == anyOne {
                guard text[ti] != sep else { return false }
                ti = skipCharacter(text, ti, text.count)
            } else {
                guard UInt8(truncatingIfNeeded: u) == text[ti] else { return false }
                ti += 1
            }
            pi += 1
        }
        return ti == text.count
    }
}
