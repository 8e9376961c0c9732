// Loads MITRE's STIX bundles as MITRE publishes them: STIX 2.0 (mitre/cti) and STIX 2.1
// (attack-stix-data, with an x-mitre-collection), for Enterprise, Mobile and ICS.

import VigilCore

public enum STIXLoader {
    /// Loads a bundle file (plain or gzip). Unusable input throws a diagnostic naming the file and offset;
    /// problems with single objects are kept in the knowledge base's `diagnostics`.
    public static func load(path: String) throws(Diagnostic) -> KnowledgeBase {
        let bytes = try FileBytes.readInflating(path)
        return try load(bytes: bytes, source: path)
    }

    public static func load(bytes: [UInt8], source: String) throws(Diagnostic) -> KnowledgeBase {
        guard !bytes.isEmpty else {
            throw Diagnostic(SourceLocation(file: source, offset: 0), code: "stix-empty", "empty file: expected a STIX bundle")
        }
        var builder = Builder(source: source)
        var tape = JSONTape()
        let shape: JSONStreaming.Shape
        do {
            shape = try bytes.withUnsafeBytes { raw in
                try JSONStreaming.forEachElement(
                    of: "objects", in: raw, tape: &tape,
                    member: { name, view, node in builder.identity.bundleMember(name, view, node) },
                    element: { view, node, offset in builder.object(view, node, offset: offset) })
            }
        } catch let error as JSONSyntaxError {
            throw bytes.withUnsafeBytes { error.diagnostic(file: source, bytes: $0) }
        } catch {
            throw Diagnostic(SourceLocation(file: source), code: "stix-read", "\(error)")
        }
        switch shape {
        case .notAnObject:
            throw Diagnostic(
                SourceLocation(file: source, offset: 0), code: "stix-not-bundle",
                "JSON, but not a STIX bundle (the top level is not an object)")
        case .keyMissing:
            throw Diagnostic(
                SourceLocation(file: source, offset: 0), code: "stix-not-bundle", "JSON, but not a STIX bundle (no \"objects\" array)")
        case .streamed:
            break
        }
        if builder.identity.bundleType != "bundle" {
            throw Diagnostic(
                SourceLocation(file: source, offset: 0), code: "stix-not-bundle",
                "JSON with an \"objects\" array, but its type is \(builder.identity.bundleType.map { "\"\($0)\"" } ?? "missing"), not \"bundle\""
            )
        }
        return try builder.finish(retaining: bytes)
    }

    /// Accumulates objects while the bundle streams by, then resolves references.
    struct Builder {
        let source: String
        var kb: KnowledgeBase
        var identity = BundleIdentity()
        var pendingRelationships: [(type: RelationshipType, source: String, target: String, revoked: Bool, deprecated: Bool, id: String)] =
            []

        init(source: String) {
            self.source = source
            kb = KnowledgeBase(
                info: KnowledgeBaseInfo(domain: .enterprise, version: "unknown", specVersion: "2.0", source: source, hasProse: true))
        }

        func lazy(_ view: JSONView, _ node: Int) -> LazyText? {
            let n = view.tape[node]
            guard n.kind == .string else { return nil }
            return LazyText(source: 0, start: n.start, end: n.end, escaped: n.flag)
        }

        mutating func report(_ offset: Int, _ item: String?, code: String, _ message: String, _ severity: DiagnosticSeverity = .warning) {
            kb.diagnostics.append(Diagnostic(SourceLocation(file: source, offset: offset, item: item), severity, code: code, message))
        }

        mutating func object(_ view: JSONView, _ root: Int, offset: Int) {
            guard view.kind(root) == .object else {
                report(offset, nil, code: "stix-not-object", "bundle element is not a JSON object; skipped")
                return
            }
            guard let typeNode = view.member(root, "type"), let type = view.string(typeNode) else {
                report(offset, nil, code: "stix-missing-field", "object without \"type\"; skipped")
                return
            }
            guard let idNode = view.member(root, "id"), let id = view.string(idNode) else {
                report(offset, nil, code: "stix-missing-field", "\(type) object without \"id\"; skipped")
                return
            }
            identity.object(view, root, type: type)
            let revoked = view.member(root, "revoked").flatMap(view.bool) ?? false
            let deprecated = view.member(root, "x_mitre_deprecated").flatMap(view.bool) ?? false
            if type == "relationship" {
                guard let typeText = view.member(root, "relationship_type").flatMap(view.string),
                    let sourceRef = view.member(root, "source_ref").flatMap(view.string),
                    let targetRef = view.member(root, "target_ref").flatMap(view.string)
                else {
                    report(
                        offset, id, code: "stix-missing-field", "relationship without relationship_type, source_ref or target_ref; skipped")
                    return
                }
                let relType = RelationshipType(rawValue: typeText) ?? .other
                pendingRelationships.append((relType, sourceRef, targetRef, revoked, deprecated, id))
                return
            }
            let kind = ObjectKind(stixType: type)
            if kind == .other {
                if type != "identity" && type != "marking-definition" { kb.unknownTypes[type, default: 0] += 1 }
                return
            }
            if kind == .collection { return }
            guard let name = view.member(root, "name").flatMap(view.string) else {
                report(offset, id, code: "stix-missing-field", "\(type) without \"name\"; skipped")
                return
            }
            var object = AttackObject(stixID: id, stixType: type, name: name)
            object.revoked = revoked
            object.deprecated = deprecated
            object.description = view.member(root, "description").flatMap { lazy(view, $0) }
            object.detectionText = view.member(root, "x_mitre_detection").flatMap { lazy(view, $0) }
            object.version = view.member(root, "x_mitre_version").flatMap(view.string)
            object.modified = view.member(root, "modified").flatMap(view.string)
            if let refs = view.member(root, "external_references") {
                view.forEachElement(refs) { e in
                    guard object.attackID == nil, let sourceName = view.member(e, "source_name"),
                        view.stringEquals(sourceName, "mitre-attack") || view.stringEquals(sourceName, "mitre-mobile-attack")
                            || view.stringEquals(sourceName, "mitre-ics-attack"),
                        let external = view.member(e, "external_id").flatMap(view.string)
                    else { return }
                    object.attackID = external
                    object.url = view.member(e, "url").flatMap(view.string)
                }
            }
            if let domains = view.member(root, "x_mitre_domains") { object.domains = view.strings(domains) }
            if let platforms = view.member(root, "x_mitre_platforms") { object.platforms = view.strings(platforms) }
            for key in [view.member(root, "aliases"), view.member(root, "x_mitre_aliases")] {
                if let key { object.aliases.append(contentsOf: view.strings(key).filter { $0 != name && !object.aliases.contains($0) }) }
            }
            switch kind {
            case .technique:
                object.isSubtechnique = view.member(root, "x_mitre_is_subtechnique").flatMap(view.bool) ?? false
                if let phases = view.member(root, "kill_chain_phases") {
                    view.forEachElement(phases) { e in
                        guard let chain = view.member(e, "kill_chain_name"),
                            view.stringEquals(chain, "mitre-attack") || view.stringEquals(chain, "mitre-mobile-attack")
                                || view.stringEquals(chain, "mitre-ics-attack"),
                            let phase = view.member(e, "phase_name").flatMap(view.string)
                        else { return }
                        object.tactics.append(phase)
                    }
                }
                if object.attackID == nil { report(offset, id, code: "stix-missing-attack-id", "technique \"\(name)\" has no ATT&CK ID") }
            case .tactic:
                if let short = view.member(root, "x_mitre_shortname").flatMap(view.string) { object.tactics = [short] }
            case .matrix:
                if let refs = view.member(root, "tactic_refs") { object.pendingRefs = view.strings(refs) }
            case .detectionStrategy:
                if let refs = view.member(root, "x_mitre_analytic_refs") { object.pendingRefs = view.strings(refs) }
            case .dataComponent:
                if let ref = view.member(root, "x_mitre_data_source_ref").flatMap(view.string), !ref.isEmpty { object.pendingRefs = [ref] }
                if let sources = view.member(root, "x_mitre_log_sources") {
                    view.forEachElement(sources) { e in
                        object.logSources.append(
                            LogSourceReference(
                                name: view.member(e, "name").flatMap(view.string) ?? "",
                                channel: view.member(e, "channel").flatMap(view.string) ?? ""))
                    }
                }
            case .analytic:
                if let sources = view.member(root, "x_mitre_log_source_references") {
                    view.forEachElement(sources) { e in
                        object.logSources.append(
                            LogSourceReference(
                                name: view.member(e, "name").flatMap(view.string) ?? "",
                                channel: view.member(e, "channel").flatMap(view.string) ?? ""))
                        object.pendingLogSourceRefs.append(view.member(e, "x_mitre_data_component_ref").flatMap(view.string))
                    }
                }
            default:
                break
            }
            kb.add(object)
        }

        mutating func finish(retaining bytes: [UInt8]) throws(Diagnostic) -> KnowledgeBase {
            kb.retained = [bytes]
            kb.info.domain = identity.domain ?? .enterprise
            kb.info.specVersion = identity.specVersion
            kb.info.name = identity.collectionName
            kb.info.modified = identity.collectionModified
            kb.info.version = identity.version(source: source)
            if kb.objects.isEmpty {
                throw Diagnostic(SourceLocation(file: source), code: "stix-no-attack-objects", "STIX bundle without any ATT&CK objects")
            }
            // References held as STIX ids become indices.
            for i in kb.objects.indices where !kb.objects[i].pendingRefs.isEmpty || !kb.objects[i].pendingLogSourceRefs.isEmpty {
                var refs: [Int] = []
                for ref in kb.objects[i].pendingRefs {
                    if let target = kb.byStixID[ref] { refs.append(target) } else { dangling(i, ref) }
                }
                kb.objects[i].refs = refs
                for (k, ref) in kb.objects[i].pendingLogSourceRefs.enumerated() {
                    guard let ref else { continue }
                    if let target = kb.byStixID[ref] { kb.objects[i].logSources[k].dataComponent = target } else { dangling(i, ref) }
                }
                kb.objects[i].pendingRefs = []
                kb.objects[i].pendingLogSourceRefs = []
            }
            kb.relationships.reserveCapacity(pendingRelationships.count)
            for r in pendingRelationships {
                guard let s = kb.byStixID[r.source], let t = kb.byStixID[r.target] else {
                    let missing = kb.byStixID[r.source] == nil ? r.source : r.target
                    // References to types Vigil does not model (identity, …) are expected; others are reported.
                    if !missing.hasPrefix("identity--") && !missing.hasPrefix("marking-definition--") {
                        kb.diagnostics.append(
                            Diagnostic(
                                SourceLocation(file: source, item: r.id), .warning, code: "stix-dangling-reference",
                                "\(r.type.rawValue) relationship refers to \(missing), which is not in the bundle; skipped"))
                    }
                    continue
                }
                kb.relationships.append(Relationship(type: r.type, source: s, target: t, revoked: r.revoked, deprecated: r.deprecated))
            }
            pendingRelationships = []
            kb.finish()
            return kb
        }

        mutating func dangling(_ i: Int, _ ref: String) {
            kb.diagnostics.append(
                Diagnostic(
                    SourceLocation(file: source, item: kb.objects[i].stixID), .warning, code: "stix-dangling-reference",
                    "refers to \(ref), which is not in the bundle"))
        }

        /// `enterprise-attack-17.1.stix20.json` → `17.1`: mitre/cti bundles carry no collection version.
        static func versionFromFileName(_ path: String) -> String? {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            var best: String?
            var i = name.startIndex
            while i < name.endIndex {
                if name[i] == "-" || name[i] == "_" || name[i] == "v" {
                    var j = name.index(after: i)
                    var text = ""
                    var dots = 0
                    while j < name.endIndex, name[j].isNumber || (name[j] == "." && dots == 0) {
                        if name[j] == "." { dots += 1 }
                        text.append(name[j])
                        j = name.index(after: j)
                    }
                    if dots == 1, !text.hasSuffix("."), text.first?.isNumber == true { best = text }
                    i = j
                } else {
                    i = name.index(after: i)
                }
            }
            return best
        }
    }
}
