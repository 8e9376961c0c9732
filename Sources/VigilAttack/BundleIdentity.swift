// What a STIX bundle says it is (ATT&CK domain, version, STIX version), decided by one rule shared by the
// loader and the folder scan, so the bundle that `attack import` installs is the one later commands pick.

import VigilCore

/// The identifying facts of a bundle, gathered while its members and objects stream by.
struct BundleIdentity {
    var bundleType: String?
    var bundleSpec: String?
    var collectionName: String?
    var collectionVersion: String?
    var collectionModified: String?
    var sawCollection = false
    var sawSpec21 = false
    /// How many modelled objects name each known domain in `x_mitre_domains`.
    var domainVotes: [Domain: Int] = [:]

    mutating func bundleMember(_ name: String, _ view: JSONView, _ node: Int) {
        switch name {
        case "type": bundleType = view.string(node)
        case "spec_version": bundleSpec = view.string(node)
        default: break
        }
    }

    /// Takes what one object (with a `type` and an `id`) tells about the bundle.
    mutating func object(_ view: JSONView, _ root: Int, type: String) {
        if let spec = view.member(root, "spec_version"), view.stringEquals(spec, "2.1") { sawSpec21 = true }
        guard type != "relationship" else { return }
        let kind = ObjectKind(stixType: type)
        guard kind != .other else { return }
        if let domains = view.member(root, "x_mitre_domains") {
            view.forEachElement(domains) { e in
                if let d = view.string(e).flatMap(Domain.init(rawValue:)) { domainVotes[d, default: 0] += 1 }
            }
        }
        if kind == .collection {
            sawCollection = true
            collectionName = view.member(root, "name").flatMap(view.string)
            collectionVersion = view.member(root, "x_mitre_version").flatMap(view.string)
            collectionModified = view.member(root, "modified").flatMap(view.string)
        }
    }

    /// The collection's name when there is one (STIX 2.1), else the domain most objects declare (a tie: the
    /// first by name); nil when nothing in the bundle names an ATT&CK domain.
    var domain: Domain? {
        if let name = collectionName?.lowercased() {
            if name.contains("mobile") { return .mobile }
            if name.contains("ics") { return .ics }
            return .enterprise
        }
        return domainVotes.max { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) }?.key
    }

    var specVersion: String { sawSpec21 ? "2.1" : (bundleSpec ?? "2.0") }

    /// The collection's version, else the one in the file name (mitre/cti bundles carry none).
    func version(source: String) -> String {
        collectionVersion ?? STIXLoader.Builder.versionFromFileName(source) ?? "unknown"
    }
}
