// Threat-actor priorities: the adversaries that target us (ATT&CK groups, campaigns, software;
// DeTT&CT group files; report technique lists and Navigator layers) and how many of them use each
// technique.

import Foundation
import VigilAttack
import VigilCore
import Yams

/// One selected adversary and the techniques it uses, as written and as resolved.
public struct Actor: Sendable, Codable {
    public var name: String
    /// Where it came from: `ATT&CK G0016`, a file path, …
    public var origin: String
    public var techniqueIDs: [String]
    /// What it is after (lowercased tags matching assets' `holds`): from its group file's `aims` or `--aim`.
    public var aims: [String] = []
    /// Where the aims were written (a group file's line), for diagnostics.
    public var aimsLocation: SourceLocation? = nil
}

public struct ActorSelection: Sendable {
    public var actors: [Actor] = []
    public var diagnostics: [Diagnostic] = []

    public init() {}

    /// Adds each selector: an ATT&CK ID, name or alias of a group, campaign or software; or a file
    /// (DeTT&CT group administration YAML, a YAML technique list, a Navigator layer JSON).
    public mutating func add(_ selector: String, kb: KnowledgeBase) {
        if FileBytes.exists(selector) {
            if FileBytes.isDirectory(selector) {
                for file in FileBytes.files(under: selector)
                where file.hasSuffix(".yaml") || file.hasSuffix(".yml") || file.hasSuffix(".json") {
                    addFile(file, kb: kb)
                }
            } else {
                addFile(selector, kb: kb)
            }
            return
        }
        let found = kb.lookup(selector)
        guard let i = found.index, [.group, .campaign, .software].contains(kb.objects[i].kind) else {
            diagnostics.append(
                Diagnostic(
                    SourceLocation(file: "--actors", item: selector), code: "actor-unknown",
                    "\"\(selector)\" is no ATT&CK group, campaign or software (nor a file)"))
            return
        }
        let o = kb.objects[i]
        let techniques = kb.related(i, .uses, incoming: false).filter { kb.objects[$0].kind == .technique }.compactMap {
            kb.objects[$0].attackID
        }
        actors.append(Actor(name: o.name, origin: "ATT&CK \(o.attackID ?? "")", techniqueIDs: techniques.sorted()))
    }

    mutating func addFile(_ path: String, kb: KnowledgeBase) {
        if path.hasSuffix(".json") {
            addLayer(path, domain: kb.info.domain)
            return
        }
        do {
            let node = try YAMLFile.read(path, code: "actors-yaml")
            guard let root = node?.mapping else {
                diagnostics.append(Diagnostic(YAMLFile.location(path, node), code: "actors-invalid", "not a group administration file"))
                return
            }
            if let type = root["file_type"]?.string, type != "group-administration" {
                diagnostics.append(
                    Diagnostic(
                        YAMLFile.location(path, root["file_type"]), code: "actors-invalid",
                        "DeTT&CT file of type \(type), not group-administration"))
                return
            }
            if let domain = root["domain"]?.string, let d = Domain(lenient: domain), d != kb.info.domain {
                diagnostics.append(
                    Diagnostic(
                        YAMLFile.location(path, root["domain"]), .warning, code: "actors-other-domain",
                        "groups of ATT&CK \(d.title), not \(kb.info.domain.title); skipped"))
                return
            }
            guard let groups = root["groups"]?.sequence else {
                diagnostics.append(Diagnostic(YAMLFile.location(path, node), code: "actors-invalid", "no `groups` list"))
                return
            }
            for g in groups {
                guard let m = g.mapping, let name = m["group_name"]?.string else {
                    diagnostics.append(Diagnostic(YAMLFile.location(path, g), code: "actors-invalid", "group without group_name; skipped"))
                    continue
                }
                if m["enabled"]?.bool == false { continue }
                // Report files list IDs, or map each ID to how often the report saw it.
                var techniques = YAMLFiles.texts(m["technique_id"])
                if let counted = m["technique_id"]?.mapping { techniques = counted.keys.compactMap(\.string) }
                // Software listed for the group brings the techniques ATT&CK records for it.
                for s in YAMLFiles.texts(m["software_id"]) {
                    if let i = kb.objects(attackID: s).first {
                        techniques += kb.related(i, .uses, incoming: false).compactMap {
                            kb.objects[$0].kind == .technique ? kb.objects[$0].attackID : nil
                        }
                    }
                }
                // An empty `campaign:` (YAML null) names none.
                let campaign = m["campaign"]?.string.flatMap { $0.isEmpty || $0 == "null" || $0 == "~" ? nil : $0 }
                actors.append(
                    Actor(
                        name: campaign.map { "\(name) (\($0))" } ?? name, origin: path, techniqueIDs: Array(Set(techniques)).sorted(),
                        aims: Asset.tags(m["aims"]), aimsLocation: m["aims"].map { YAMLFile.location(path, $0) }))
            }
        } catch {
            diagnostics.append(error)
        }
    }

    /// A Navigator layer: every enabled technique with a score above 0 (or no score) is used.
    mutating func addLayer(_ path: String, domain: Domain) {
        do {
            let bytes = try FileBytes.read(path)
            var tape = JSONTape()
            var techniques: [String] = []
            var name = path
            do {
                try bytes.withUnsafeBytes { raw in
                    try tape.parseDocument(raw)
                    try tape.nodes.withUnsafeBufferPointer { nodes in
                        let view = JSONView(tape: nodes, bytes: raw)
                        guard let list = view.member(0, "techniques") else {
                            throw Diagnostic(SourceLocation(file: path), code: "actors-invalid", "not a Navigator layer (no techniques)")
                        }
                        name = view.member(0, "name").flatMap(view.string) ?? path
                        if let layerDomain = view.member(0, "domain").flatMap(view.string), let d = Domain(lenient: layerDomain),
                            d != domain
                        {
                            throw Diagnostic(
                                SourceLocation(file: path), code: "actors-other-domain",
                                "a layer of ATT&CK \(d.title), not \(domain.title); skipped")
                        }
                        view.forEachElement(list) { e in
                            guard let id = view.member(e, "techniqueID").flatMap(view.string) else { return }
                            if view.member(e, "enabled").flatMap(view.bool) == false { return }
                            if let score = view.member(e, "score").flatMap(view.double), score <= 0 { return }
                            techniques.append(id)
                        }
                    }
                }
            } catch let error as JSONSyntaxError {
                throw bytes.withUnsafeBytes { error.diagnostic(file: path, bytes: $0) }
            }
            actors.append(Actor(name: name, origin: path, techniqueIDs: Array(Set(techniques)).sorted()))
        } catch let error as Diagnostic {
            diagnostics.append(error)
        } catch {
            diagnostics.append(Diagnostic(SourceLocation(file: path), code: "actors-invalid", "\(error)"))
        }
    }

    /// `--aim FIN7=payments,pii` gives one actor (by name, alias or ATT&CK ID) what it is after; `--aim pii` gives it
    /// every selected actor. An actor it names that is not selected is an error.
    public mutating func addAim(_ spec: String, kb: KnowledgeBase) {
        let location = SourceLocation(file: "--aim", item: spec)
        let parts = spec.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let who = parts.count == 2 ? parts[0].trimmingCharacters(in: .whitespaces) : nil
        let tags = unique(
            (parts.last ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
        guard !tags.isEmpty, who.map({ !$0.isEmpty }) ?? true else {
            diagnostics.append(
                Diagnostic(location, code: "aim-invalid", "an aim is ACTOR=tag,tag (one actor) or tag,tag (every selected actor)"))
            return
        }
        var targets = Array(actors.indices)
        if let who {
            let lowered = who.lowercased()
            let known = kb.lookup(who).index.map { kb.objects[$0] }
            targets = actors.indices.filter { i in
                actors[i].name.lowercased() == lowered || actors[i].origin.lowercased() == "att&ck \(lowered)"
                    || known.map { actors[i].name == $0.name } ?? false
            }
        }
        guard !targets.isEmpty else {
            let selected = actors.map(\.name).joined(separator: ", ")
            diagnostics.append(
                Diagnostic(
                    location, code: "aim-unknown-actor",
                    who.map { "\"\($0)\" is not among the selected actors" + (selected.isEmpty ? "" : " (\(selected))") }
                        ?? "no actor is selected (--actors) to give these aims to"))
            return
        }
        for i in targets {
            actors[i].aims = unique(actors[i].aims + tags)
            if actors[i].aimsLocation == nil { actors[i].aimsLocation = location }
        }
    }

    /// Actor name → what it is after, for the actors that have aims.
    public var aims: [String: [String]] {
        var result: [String: [String]] = [:]
        for a in actors where !a.aims.isEmpty { result[a.name] = unique((result[a.name] ?? []) + a.aims) }
        return result
    }

    /// Technique index → the actors that use it, with IDs resolved through the crosswalk.
    /// IDs that resolve nowhere are reported.
    public func weights(kb: KnowledgeBase, crosswalk: Crosswalk) -> (byTechnique: [Int: [String]], unresolved: [Diagnostic]) {
        var result: [Int: [String]] = [:]
        var unresolved: [Diagnostic] = []
        for actor in actors {
            for id in actor.techniqueIDs {
                let r = kb.resolveTechnique(id, crosswalk: crosswalk)
                guard let i = r.index else {
                    unresolved.append(
                        Diagnostic(
                            SourceLocation(file: actor.origin, item: actor.name), .warning, code: "actor-technique-unresolved", r.note))
                    continue
                }
                if !(result[i]?.contains(actor.name) ?? false) { result[i, default: []].append(actor.name) }
            }
        }
        return (result, unresolved)
    }
}
