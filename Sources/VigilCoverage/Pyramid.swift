// The Pyramid of Pain: what a rule keys on, from the cheapest indicator for an adversary to change
// (hash values) to the most expensive (behaviour). A SOC whose coverage rests on hashes and IPs loses
// it as soon as the adversary recompiles or moves; coverage built on TTPs survives.

import VigilCore

public struct PyramidClassification: Sendable, Codable {
    public var level: PyramidLevel
    public var reason: String
}

/// Classifies rules by the fields and values they key on, or by Sigma's `stp.*` tags (Summiting the
/// Pyramid) where the author stated it. A rule is as fragile as the cheapest indicator it depends on.
public enum PyramidClassifier {
    static let hashFields: Set<String> = [
        "hashes", "hash", "md5", "sha1", "sha256", "sha512", "imphash", "file.hash.md5", "file.hash.sha1", "file.hash.sha256",
        "process.hash.md5", "process.hash.sha1", "process.hash.sha256", "dll.hash.sha256", "process.pe.imphash", "file_hash",
    ]
    static let ipFields: Set<String> = [
        "destinationip", "sourceip", "dst_ip", "src_ip", "destination.ip", "source.ip", "ipaddress", "clientip", "c-ip", "remoteaddress",
        "sourceaddress", "destaddress", "ip", "client.ip", "server.ip", "remoteip",
    ]
    static let domainFields: Set<String> = [
        "queryname", "destinationhostname", "dns.question.name", "url.domain", "cs-host", "r-dns", "query", "domain", "destination.domain",
        "dns_query", "hostname_query", "c-uri-host",
    ]
    static let artifactFields: Set<String> = [
        "targetfilename", "targetobject", "pipename", "c-useragent", "useragent", "user_agent.original", "c-uri", "url", "url.original",
        "cs-uri", "registry.path", "registry.key", "file.path", "file.name", "servicename", "imagepath", "details", "mutex", "filename",
        "taskname", "destinationport", "destination.port", "keywords",
    ]
    static let toolFields: Set<String> = [
        "image", "originalfilename", "product", "company", "description", "process.name", "process.executable",
        "process.pe.original_file_name",
        "imageloaded", "parentimage", "newprocessname", "application", "exe", "process_name", "sourceimage", "targetimage", "signature",
    ]

    public static func classify(_ rule: DetectionRule) -> PyramidClassification {
        // An author's Summiting-the-Pyramid tag wins: stp.1 ephemeral values, stp.2/3 tools, stp.4/5 behaviour.
        for tag in rule.tags.map({ $0.lowercased() }) where tag.hasPrefix("stp.") {
            let level = tag.dropFirst(4).first
            switch level {
            case "1": return PyramidClassification(level: .artifacts, reason: "tag \(tag): ephemeral values")
            case "2", "3": return PyramidClassification(level: .tools, reason: "tag \(tag): core to a tool")
            case "4", "5": return PyramidClassification(level: .ttps, reason: "tag \(tag): core to the (sub-)technique")
            default: break
            }
        }
        let ordered = rule.fields.map { $0.lowercased().split(separator: "|").first.map(String.init) ?? $0.lowercased() }
        let fields = Set(ordered)
        // The first such field in the rule's own order names the reason (a Set's order changes from run to run).
        func has(_ set: Set<String>) -> String? { ordered.first { set.contains($0) } }
        if let f = has(hashFields) { return PyramidClassification(level: .hashValues, reason: "keys on \(f)") }
        if rule.values.contains(where: looksLikeHash) { return PyramidClassification(level: .hashValues, reason: "keys on hash values") }
        if let f = has(ipFields) { return PyramidClassification(level: .ipAddresses, reason: "keys on \(f)") }
        if let f = has(domainFields) { return PyramidClassification(level: .domainNames, reason: "keys on \(f)") }
        let behaviour = fields.contains {
            ["commandline", "process.command_line", "scriptblocktext", "parentcommandline", "command_line", "payload"].contains($0)
        }
        let tool = has(toolFields)
        let artifact = has(artifactFields)
        if !behaviour, let artifact, tool == nil { return PyramidClassification(level: .artifacts, reason: "keys on \(artifact)") }
        if !behaviour, let tool { return PyramidClassification(level: .tools, reason: "keys on \(tool)") }
        if behaviour { return PyramidClassification(level: .ttps, reason: "keys on behaviour (command lines, scripts, relationships)") }
        if fields.isEmpty { return PyramidClassification(level: .ttps, reason: "no field-level indicators known (behavioural analytic)") }
        return PyramidClassification(level: .ttps, reason: "keys on event semantics (\(fields.sorted().prefix(3).joined(separator: ", ")))")
    }

    static func looksLikeHash(_ value: String) -> Bool {
        let v = value.lowercased()
        guard [32, 40, 64].contains(v.count) else { return false }
        return v.allSatisfy { $0.isHexDigit }
    }
}
