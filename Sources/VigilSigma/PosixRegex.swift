// Sigma regular expressions (PCRE flavour) run on glibc's POSIX engine when they translate to ERE
// faithfully: it is one to two orders of magnitude faster than Swift Regex on long values. Patterns
// that need lookaround, backreferences or other PCRE-only syntax keep using Swift Regex.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum PosixRegex {
    /// The ERE form of `pattern`, and whether `(?i)` led it; nil when it cannot be translated exactly.
    static func translate(_ pattern: String) -> (ere: String, ignoreCase: Bool)? {
        var p = Array(pattern.unicodeScalars)
        var ignoreCase = false
        if p.starts(with: Array("(?i)".unicodeScalars)) {
            ignoreCase = true
            p.removeFirst(4)
        }
        var out = ""
        var i = 0
        func classEscape(_ e: Unicode.Scalar) -> String? {
            switch e {
            case "d": return "0-9"
            case "s": return "[:space:]"
            case "w": return "[:alnum:]_"
            case "t": return "\t"
            case "n": return "\n"
            case "r": return "\r"
            case "\\": return "\\"
            case "-": return nil  // position-dependent in POSIX classes
            case ".", "*", "+", "?", "(", ")", "{", "}", "|", "^", "$", "/", "'", "\"", "#", "%", "&", ",", ":", ";", "<", "=", ">", "@",
                "`", "~", "!", " ", "_":
                return String(e)
            default: return nil
            }
        }
        while i < p.count {
            let c = p[i]
            switch c {
            case "\\":
                guard i + 1 < p.count else { return nil }
                let e = p[i + 1]
                i += 2
                switch e {
                case "d": out += "[0-9]"
                case "D": out += "[^0-9]"
                case "s": out += "[[:space:]]"
                case "S": out += "[^[:space:]]"
                case "w": out += "[[:alnum:]_]"
                case "W": out += "[^[:alnum:]_]"
                case "t": out += "\t"
                case "n": out += "\n"
                case "r": out += "\r"
                case ".", "\\", "(", ")", "[", "]", "{", "}", "*", "+", "?", "|", "^", "$":
                    out += "\\" + String(e)
                case "/", "'", "\"", "#", "%", "&", ",", ":", ";", "<", "=", ">", "@", "`", "~", "!", " ", "_", "-":
                    out += String(e)
                case "x":
                    guard i + 2 <= p.count, let v = UInt8(String(String.UnicodeScalarView(p[i..<(i + 2)])), radix: 16), v < 0x80 else {
                        return nil
                    }
                    i += 2
                    let ch = String(UnicodeScalar(v))
                    out += "().*+?[]{}|^$\\".contains(ch) ? "\\" + ch : ch
                default: return nil  // \b, backreferences, \A, \z, \p{…}: keep PCRE semantics
                }
                continue
            case "(":
                if i + 1 < p.count && p[i + 1] == "?" {
                    guard i + 2 < p.count, p[i + 2] == ":" else { return nil }  // lookaround, inline flags, named groups
                    out += "("
                    i += 3
                    continue
                }
                out += "("
            case "[":
                // Character class: rebuild with POSIX rules (backslash is literal there).
                var j = i + 1
                var body = ""
                var negate = false
                if j < p.count && p[j] == "^" {
                    negate = true
                    j += 1
                }
                var hasBracket = false
                var hasDash = false
                var first = true
                while j < p.count && !(p[j] == "]" && !first) {
                    let d = p[j]
                    if d == "]" {
                        hasBracket = true
                        j += 1
                        first = false
                        continue
                    }
                    if d == "\\" {
                        guard j + 1 < p.count else { return nil }
                        let e = p[j + 1]
                        if e == "]" {
                            hasBracket = true
                        } else if e == "-" {
                            hasDash = true
                        } else if let t = classEscape(e) {
                            body += t
                        } else {
                            return nil
                        }
                        j += 2
                        first = false
                        continue
                    }
                    if d == "[" {
                        if j + 1 < p.count && (p[j + 1] == ":" || p[j + 1] == "." || p[j + 1] == "=") { return nil }
                    }
                    body.unicodeScalars.append(d)
                    j += 1
                    first = false
                }
                guard j < p.count else { return nil }
                out += "[" + (negate ? "^" : "") + (hasBracket ? "]" : "") + body + (hasDash ? "-" : "") + "]"
                i = j + 1
                continue
            case "*", "+", "?", "}":
                out.unicodeScalars.append(c)
                // Lazy and possessive quantifiers: whether a match exists does not depend on laziness.
                if i + 1 < p.count && p[i + 1] == "?" { i += 1 }
                if i + 1 < p.count && p[i + 1] == "+" && c != "}" { return nil }
            default:
                if c.value >= 0x80 { return nil }
                out.unicodeScalars.append(c)
            }
            i += 1
        }
        return (out, ignoreCase)
    }
}

/// A compiled POSIX regex; one per matching thread (glibc serialises concurrent use of one regex_t).
///
/// Compiled twice: in the C locale, where `.` and `[^…]` match one byte (fast, and exact on ASCII text), and
/// in C.UTF-8, where they match one character as PCRE's do, for text with non-ASCII bytes (`.{150}` must
/// count characters, not bytes).
final class CompiledPosixRegex {
    private var regex = regex_t()
    private var unicodeRegex = regex_t()
    let valid: Bool
    private let unicodeValid: Bool

    /// The C.UTF-8 locale, for compiling and running the character-wise regex.
    nonisolated(unsafe) private static let utf8Locale: locale_t? = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil)

    init?(_ ere: String, ignoreCase: Bool, multiline: Bool) {
        var flags = REG_EXTENDED | REG_NOSUB
        if ignoreCase { flags |= REG_ICASE }
        if multiline { flags |= REG_NEWLINE }
        valid = regcomp(&regex, ere, flags) == 0
        if !valid {
            unicodeValid = false
            return nil
        }
        if let locale = Self.utf8Locale {
            let previous = uselocale(locale)
            unicodeValid = regcomp(&unicodeRegex, ere, flags) == 0
            uselocale(previous)
        } else {
            unicodeValid = false
        }
    }

    deinit {
        if valid { regfree(&regex) }
        if unicodeValid { regfree(&unicodeRegex) }
    }

    /// Searches `text` (no terminator needed).
    func matches(_ text: UnsafeRawBufferPointer) -> Bool {
        var range = regmatch_t()
        range.rm_so = 0
        range.rm_eo = regoff_t(text.count)
        let base = text.baseAddress?.assumingMemoryBound(to: CChar.self) ?? UnsafePointer<CChar>(bitPattern: 1)!
        if text.isEmpty {
            return regexec(&regex, "", 0, nil, 0) == 0
        }
        if unicodeValid && !Self.isASCII(text), let locale = Self.utf8Locale {
            // Bracket expressions read the current locale while matching, not only while compiling.
            let previous = uselocale(locale)
            defer { uselocale(previous) }
            return regexec(&unicodeRegex, base, 1, &range, REG_STARTEND) == 0
        }
        return regexec(&regex, base, 1, &range, REG_STARTEND) == 0
    }

    /// No byte of `text` has its high bit set; eight bytes at a time.
    @inline(__always) static func isASCII(_ text: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = text.count
        while i + 8 <= n {
            if text.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        while i < n {
            if text[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }
}
