// Which events a rule's `logsource` covers (channel and event IDs), the field renames per source
// (Sigma taxonomy → Security audit events), and the names flat JSON exports use for Sigma fields.
// The mapping is data: Vigil ships `BuiltinMapping.yaml` and a user file can replace or extend it.
import VigilCore
import Yams

/// One concrete event source a logsource maps to.
public struct EventSource: Sendable, Hashable {
    public var channel: String?
    public var eventIDs: [Int]
    /// Sigma field name → field name in this source.
    public var renames: [String: String]
    /// Sigma field name → (rule value → value in this source), e.g. integrity levels → mandatory-label SIDs.
    public var valueMaps: [String: [String: String]]
    /// When set, the only fields this source records (after renames). A rule's test of any other field sees
    /// that field as absent on this source (false; `not` of it true; `null` and `exists: false` true), exactly
    /// as for a field an event lacks: an extra OR branch never removes a match.
    public var onlyFields: Set<String>?
    /// Sigma field name → the form this source writes that path in (see `PathForm`).
    public var pathForms: [String: PathForm] = [:]

    /// The name `field` (a Sigma name) has in this source's events, or nil when the source does not record it.
    public func recordedName(_ field: String) -> String? {
        let mapped = renames[field] ?? field
        guard let only = onlyFields else { return mapped }
        return only.contains(mapped) ? mapped : nil
    }

    /// How a person names the source: `Security 4688`, `Microsoft-Windows-Sysmon/Operational 1`.
    public var label: String {
        let ids = eventIDs.map(String.init).joined(separator: ",")
        return [channel ?? "any Windows channel", ids].filter { !$0.isEmpty }.joined(separator: " ")
    }
}

public struct LogsourceMapping: Sendable {
    public struct Entry: Sendable {
        public var product: String?
        public var category: String?
        public var service: String?
        public var sources: [EventSource]
    }

    public var entries: [Entry]
    /// Flat-JSON field name (lower-cased) → Sigma name.
    public var fieldAliases: [String: String]
    /// Prefixes removed from flat-JSON names before lookup (`winlog.event_data.`).
    public var stripPrefixes: [String]
    /// Products whose rules run on any event without a channel when no entry matches. Vigil ships none: a rule
    /// runs only where its logsource is mapped; a user mapping may open a product for their own JSON events.
    public var openProducts: Set<String>
    /// Channel prefixes (lower case) of sources that are not Windows event logs (`zeek/`, `linux/`, `aws/`…):
    /// rules for `product: windows` as a whole never run on their events.
    public var nonWindowsChannels: [String]

    /// The mapping Vigil ships.
    public static let builtin: LogsourceMapping = {
        do { return try LogsourceMapping(yaml: BuiltinMapping.yaml, file: "<builtin logsource mapping>") } catch {
            fatalError("built-in logsource mapping is invalid: \(error)")
        }
    }()

    public init(yaml text: String, file: String) throws(Diagnostic) {
        let root: Node?
        do { root = try Yams.compose(yaml: text, .basic) } catch let error as YamlError {
            throw RuleParser.yamlDiagnostic(error, file: file)
        } catch { throw Diagnostic(SourceLocation(file: file), code: "yaml-syntax", "\(error)") }
        guard let root, case .mapping(let m) = root else {
            throw Diagnostic(SourceLocation(file: file), code: "mapping-invalid", "logsource mapping must be a YAML mapping")
        }
        var entries: [Entry] = []
        if case .sequence(let seq)? = m["logsources"] {
            for item in seq {
                let match = item["match"]
                var sources: [EventSource] = []
                if case .sequence(let ss)? = item["sources"] {
                    for s in ss {
                        var renames: [String: String] = [:]
                        if case .mapping(let r)? = s["fields"] {
                            for (k, v) in r { if let k = k.string, let v = v.string { renames[k] = v } }
                        }
                        var valueMaps: [String: [String: String]] = [:]
                        if case .mapping(let vm)? = s["values"] {
                            for (k, v) in vm {
                                guard let field = k.string, case .mapping(let pairs) = v else { continue }
                                var map: [String: String] = [:]
                                for (a, b) in pairs { if let a = a.string, let b = b.string { map[a.lowercased()] = b } }
                                valueMaps[field] = map
                            }
                        }
                        var pathForms: [String: PathForm] = [:]
                        if case .mapping(let pf)? = s["path-forms"] {
                            for (k, v) in pf {
                                guard let field = k.string, let form = v.string.flatMap(PathForm.init(rawValue:)) else {
                                    throw Diagnostic(
                                        SourceLocation(file: file, line: v.mark?.line ?? 1, column: v.mark?.column ?? 1),
                                        code: "mapping-invalid", "path-forms: '\(v.string ?? "")' is not nt-device or registry")
                                }
                                pathForms[field] = form
                            }
                        }
                        let only = s["only-fields"].map { Set(RuleParser.strings($0)) }
                        let ids = RuleParser.strings(s["eventids"]).compactMap { Int($0) }
                        sources.append(
                            EventSource(
                                channel: s["channel"]?.string, eventIDs: ids, renames: renames, valueMaps: valueMaps, onlyFields: only,
                                pathForms: pathForms))
                    }
                }
                entries.append(
                    Entry(
                        product: match?["product"]?.string?.lowercased(), category: match?["category"]?.string?.lowercased(),
                        service: match?["service"]?.string?.lowercased(), sources: sources))
            }
        }
        var aliases: [String: String] = [:]
        if case .mapping(let a)? = m["field-aliases"] {
            for (k, v) in a { if let k = k.string, let v = v.string { aliases[k.lowercased()] = v } }
        }
        self.entries = entries
        self.fieldAliases = aliases
        self.stripPrefixes = RuleParser.strings(m["strip-prefixes"]).map { $0.lowercased() }
        self.openProducts = Set(RuleParser.strings(m["open-products"]).map { $0.lowercased() })
        self.nonWindowsChannels = RuleParser.strings(m["non-windows-channels"]).map { $0.lowercased() }
    }

    /// Whether `channel` (any case) names a source that is not a Windows event log.
    public func isNonWindows(channel: String) -> Bool {
        let folded = channel.lowercased()
        return nonWindowsChannels.contains { folded.hasPrefix($0) }
    }

    /// A user file extends the built-in mapping: its entries take precedence, its aliases are added.
    public func overlaid(with user: LogsourceMapping) -> LogsourceMapping {
        var result = self
        result.entries = user.entries + entries
        result.fieldAliases.merge(user.fieldAliases) { _, new in new }
        result.stripPrefixes = user.stripPrefixes + stripPrefixes
        result.openProducts.formUnion(user.openProducts)
        result.nonWindowsChannels = user.nonWindowsChannels + nonWindowsChannels
        return result
    }

    public enum Resolution: Sendable {
        /// The rule runs on these sources only.
        case sources([EventSource])
        /// No restriction: the rule runs on every event.
        case anyEvent
        /// Any event without a channel (a product the user's mapping declares open).
        case nonWindowsEvents
        /// Nothing maps the logsource: the rule cannot run.
        case unmapped
    }

    /// The sources of a logsource: the most specific entries whose every given key agrees with the rule.
    public func resolve(_ logsource: SigmaLogsource) -> Resolution {
        var best: [Entry] = []
        var bestScore = -1
        for entry in entries {
            var score = 0
            var ok = true
            for (want, have) in [
                (entry.product, logsource.product), (entry.category, logsource.category), (entry.service, logsource.service),
            ] {
                guard let want else { continue }
                if want == have { score += 1 } else { ok = false }
            }
            // An entry must account for the rule's category and service; the product alone is not enough for them.
            if logsource.category != nil && entry.category == nil { ok = false }
            if logsource.service != nil && entry.service == nil { ok = false }
            guard ok else { continue }
            if score > bestScore {
                best = [entry]
                bestScore = score
            } else if score == bestScore {
                best.append(entry)
            }
        }
        if !best.isEmpty {
            let sources = best.flatMap(\.sources)
            return sources.isEmpty ? .anyEvent : .sources(sources)
        }
        if let product = logsource.product, openProducts.contains(product) { return .nonWindowsEvents }
        if logsource.product == nil && logsource.category == nil && logsource.service == nil { return .anyEvent }
        // A logsource nothing maps does not run: on events of another source it would only raise false alarms.
        return .unmapped
    }
}
