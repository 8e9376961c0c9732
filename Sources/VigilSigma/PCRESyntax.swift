// Sigma regexes are PCRE; Swift Regex differs in two defaults that change verdicts on real values: `.` does
// not match `\r` (nor other line separators) in Swift, only `\n` in PCRE; and PCRE's `$` also matches before a
// final `\n`. Both are rewritten to their PCRE meaning before Swift compiles the pattern.

enum PCRESyntax {
    /// `pattern` with `.` (unless `dotAll`) as `[^\n]` and `$` (unless `multiline`) as `(?=\n?\z)`, outside
    /// character classes and escapes, and a class's leading literal `]` escaped. A pattern with inline options
    /// (`(?s)`, `(?m)`…) is left as written.
    static func swiftPattern(_ pattern: String, dotAll: Bool, multiline: Bool) -> String {
        let chars = Array(pattern)
        for i in chars.indices where chars[i] == "(" && i + 2 < chars.count && chars[i + 1] == "?" {
            if "imsxnU-^".contains(chars[i + 2]) { return pattern }
        }
        var out = ""
        var i = 0
        var inClass = false
        while i < chars.count {
            let c = chars[i]
            if c == "\\" && i + 1 < chars.count {
                out.append(c)
                out.append(chars[i + 1])
                i += 2
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
                out.append(c)
            } else if c == "[" {
                inClass = true
                out.append(c)
                // A `]` first in the class (after an optional `^`) is a literal in PCRE; Swift wants it escaped.
                if i + 1 < chars.count && chars[i + 1] == "^" {
                    out.append("^")
                    i += 1
                }
                if i + 1 < chars.count && chars[i + 1] == "]" {
                    out += "\\]"
                    i += 1
                }
            } else if c == "." && !dotAll {
                out += "[^\\n]"
            } else if c == "$" && !multiline {
                out += "(?=\\n?\\z)"
            } else {
                out.append(c)
            }
            i += 1
        }
        return out
    }
}
