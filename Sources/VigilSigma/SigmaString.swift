// A Sigma string value: literal text with `*` and `?` wildcards, parsed with the specification's
// backslash escaping (`\*`, `\?`, `\\`; a backslash before anything else is itself), read by VigilCore's `Glob`.
import VigilCore

public struct SigmaString: Sendable, Hashable, CustomStringConvertible {
    public enum Part: Sendable, Hashable {
        case literal([UInt8])
        /// `*`: any run of characters, possibly empty.
        case anyRun
        /// `?`: exactly one character.
        case anyOne
    }

    public var parts: [Part]

    public init(parts: [Part]) { self.parts = Self.normalised(parts) }

    /// Parses rule text. `*` and `?` are wildcards unless escaped.
    public init(sigma text: String) {
        let parts = Glob.tokens(text, escaping: .sigma).map { token -> Part in
            switch token {
            case .literal(let bytes): .literal(bytes)
            case .anyRun, .anyPath: .anyRun
            case .anyOne: .anyOne
            }
        }
        self.init(parts: parts)
    }

    /// A plain value with no wildcards (numbers, encoded values).
    public init(plain bytes: [UInt8]) { self.init(parts: bytes.isEmpty ? [] : [.literal(bytes)]) }

    private static func normalised(_ parts: [Part]) -> [Part] {
        var out: [Part] = []
        for part in parts {
            switch (out.last, part) {
            case (.literal(let a)?, .literal(let b)):
                out[out.count - 1] = .literal(a + b)
            case (.anyRun?, .anyRun):
                continue
            case (_, .literal(let b)) where b.isEmpty:
                continue
            default:
                out.append(part)
            }
        }
        return out
    }

    public var hasWildcards: Bool { parts.contains { if case .literal = $0 { false } else { true } } }

    /// The literal bytes when there are no wildcards.
    public var plainBytes: [UInt8]? {
        if parts.isEmpty { return [] }
        if parts.count == 1, case .literal(let b) = parts[0] { return b }
        return nil
    }

    public var startsWithRun: Bool { parts.first == .anyRun }
    public var endsWithRun: Bool { parts.last == .anyRun }

    public func prepending(_ part: Part) -> SigmaString { SigmaString(parts: [part] + parts) }
    public func appending(_ part: Part) -> SigmaString { SigmaString(parts: parts + [part]) }

    /// Applies `transform` to every literal run, keeping wildcards.
    public func mapLiterals(_ transform: ([UInt8]) -> [UInt8]) -> SigmaString {
        SigmaString(parts: parts.map { if case .literal(let b) = $0 { .literal(transform(b)) } else { $0 } })
    }

    /// Writes the value back in Sigma notation (escaping literal wildcards and backslashes before them).
    public var description: String {
        var out = ""
        for part in parts {
            switch part {
            case .anyRun: out += "*"
            case .anyOne: out += "?"
            case .literal(let b):
                var text = String(decoding: b, as: UTF8.self)
                text = text.replacing("\\", with: "\\\\").replacing("*", with: "\\*").replacing("?", with: "\\?")
                out += text
            }
        }
        return out
    }
}
