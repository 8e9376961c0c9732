// Risk acceptance: techniques a SOC knowingly does not cover, with scope, owner, reason and a review
// date. Shown distinctly on the heat map; acceptances past their review date are flagged.

import VigilCore
import Yams

public struct RiskAcceptance: Sendable, Codable {
    public var technique: String
    /// Platforms or systems the acceptance covers; empty means everywhere.
    public var scope: [String]
    public var owner: String
    public var reason: String
    /// ISO date (YYYY-MM-DD) by which the acceptance must be reviewed.
    public var review: String
    public var line: Int?

    /// True when the review date has passed on `today` (YYYY-MM-DD; ISO dates compare as text).
    public func isExpired(today: String) -> Bool { review < today }
}

public struct RiskRegister: Sendable {
    public var acceptances: [RiskAcceptance]
    public var diagnostics: [Diagnostic]
    public var source: String

    public init(acceptances: [RiskAcceptance] = [], diagnostics: [Diagnostic] = [], source: String = "") {
        self.acceptances = acceptances
        self.diagnostics = diagnostics
        self.source = source
    }

    public static func load(path: String) throws(Diagnostic) -> RiskRegister {
        let node = try YAMLFile.read(path, code: "accept-yaml")
        let list = node?.mapping?["accepted"]?.sequence ?? node?.sequence
        guard let list else {
            throw Diagnostic(YAMLFile.location(path, node), code: "accept-invalid", "a risk register is a list under `accepted:`")
        }
        var register = RiskRegister(source: path)
        for item in list {
            guard let m = item.mapping else {
                register.diagnostics.append(
                    Diagnostic(YAMLFile.location(path, item), code: "accept-invalid", "each acceptance is a mapping; skipped"))
                continue
            }
            var missing: [String] = []
            let technique = m["technique"]?.string ?? ""
            if TechniqueID(technique) == nil { missing.append("technique (an ATT&CK technique ID)") }
            let owner = m["owner"]?.string ?? ""
            if owner.isEmpty { missing.append("owner") }
            let reason = m["reason"]?.string ?? ""
            if reason.isEmpty { missing.append("reason") }
            let review = m["review"]?.string ?? ""
            if review.count != 10 || review.split(separator: "-").count != 3 { missing.append("review (YYYY-MM-DD)") }
            guard missing.isEmpty else {
                register.diagnostics.append(
                    Diagnostic(
                        YAMLFile.location(path, item), code: "accept-invalid",
                        "acceptance lacks " + missing.joined(separator: ", ") + "; skipped"))
                continue
            }
            register.acceptances.append(
                RiskAcceptance(
                    technique: technique, scope: YAMLFiles.texts(m["scope"]), owner: owner, reason: reason, review: review,
                    line: item.mark?.line))
        }
        return register
    }
}
