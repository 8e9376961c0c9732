// Paths a source writes in another form than the Sigma taxonomy: Security 5156 records NT device paths
// (`\device\harddiskvolume2\windows\system32\lsass.exe`) where rules write `C:\Windows\System32\lsass.exe`, and
// 4657 records registry keys as `\REGISTRY\MACHINE\…` where rules write `HKLM\…`. A rule value that starts with
// the taxonomy's form also matches the source's forms; values that do not (`|endswith`, `|contains`) match as
// written. Declared per source and field in the logsource mapping (`path-forms: {Image: nt-device}`).

/// How a source writes one path field.
public enum PathForm: String, Sendable, Hashable {
    /// NT device paths: a drive letter `X:\` is `\device\harddiskvolumeN\` for any volume N (1–99), since the
    /// event does not say which volume holds which letter.
    case ntDevice = "nt-device"
    /// Registry paths under `\REGISTRY\`: `HKLM\` is `\REGISTRY\MACHINE\`, `HKU\` is `\REGISTRY\USER\`, `HKCU\`
    /// is `\REGISTRY\USER\<any SID>\`, `HKCR\` is `\REGISTRY\MACHINE\SOFTWARE\Classes\` (long names too).
    case registry

    /// The forms of `value` (itself first) on a source that writes paths this way.
    func forms(of value: SigmaString) -> [SigmaString] {
        guard case .literal(let head)? = value.parts.first else { return [value] }
        let rest = Array(value.parts.dropFirst())
        let lower = head.map { $0 &- 0x41 < 26 ? $0 | 0x20 : $0 }
        switch self {
        case .ntDevice:
            // `c:\…`: a letter, a colon, a backslash.
            guard lower.count >= 3, lower[0] &- 0x61 < 26, lower[1] == UInt8(ascii: ":"), lower[2] == UInt8(ascii: "\\") else {
                return [value]
            }
            let tail = Array(head[2...])
            return [value]
                + ["?", "??"].map { digits in
                    SigmaString(
                        parts: [.literal(Array("\\device\\harddiskvolume".utf8))] + digits.map { _ in SigmaString.Part.anyOne }
                            + [.literal(tail)] + rest)
                }
        case .registry:
            for (hive, replacement, anyUser) in Self.hives {
                let h = Array(hive.utf8)
                guard lower.count >= h.count, Array(lower[0..<h.count]) == h else { continue }
                let tail = Array(head[h.count...])
                var parts: [SigmaString.Part] = [.literal(Array(replacement.utf8))]
                if anyUser { parts += [.anyRun, .literal(Array("\\".utf8))] }
                return [value, SigmaString(parts: parts + [.literal(tail)] + rest)]
            }
            return [value]
        }
    }

    /// Hive prefixes (lower case, with the backslash) → their `\REGISTRY\` form; `true` when a user SID follows.
    static let hives: [(String, String, Bool)] = [
        ("hklm\\", "\\REGISTRY\\MACHINE\\", false), ("hkey_local_machine\\", "\\REGISTRY\\MACHINE\\", false),
        ("hku\\", "\\REGISTRY\\USER\\", false), ("hkey_users\\", "\\REGISTRY\\USER\\", false),
        ("hkcu\\", "\\REGISTRY\\USER\\", true), ("hkey_current_user\\", "\\REGISTRY\\USER\\", true),
        ("hkcr\\", "\\REGISTRY\\MACHINE\\SOFTWARE\\Classes\\", false),
        ("hkey_classes_root\\", "\\REGISTRY\\MACHINE\\SOFTWARE\\Classes\\", false),
    ]
}

extension EventSource {
    /// The values a rule's test of Sigma field `field` stands for on this source: each value, and for a path
    /// field the source writes in another form, that form too. `|all` keeps its values as written (one value
    /// standing for several would change what "all" means).
    public func values(of item: FieldItem) -> [SigmaValue] {
        guard let field = item.field, let form = pathForms[field], !item.all else { return item.values }
        return item.values.flatMap { value -> [SigmaValue] in
            guard case .string(let s, let cased) = value else { return [value] }
            return form.forms(of: s).map { .string($0, cased: cased) }
        }
    }
}
