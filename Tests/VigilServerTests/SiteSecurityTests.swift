// The web UI's security policy, request by request: escaping of untrusted values, the CSP and other
// headers on every response, read-only methods, size limits, path traversal, the token and the Host check.

import Foundation
import Testing
import VigilCoverage
import VigilStore

@testable import VigilServer

@Suite struct SiteSecurityTests {
    static let hostileTitle = "<script>alert('owned')</script>"
    static let hostilePath = "rules/\"><img src=x onerror=alert(1)>.yml"

    /// A store with two snapshots; the PowerShell rule has a hostile title and path.
    static let storePath: String = {
        var hostile = Fixtures.sigma("ps", ["T1059.001"], category: "process_creation", title: hostileTitle)
        hostile.path = hostilePath
        let rules = [hostile, Fixtures.rules[1], Fixtures.rules[2]]
        let path = Fixtures.storePath()
        let store = try! HistoryStore(path: path)
        try! store.save(Fixtures.snapshot(rules, ratings: [4, 2, 4], label: "sprint-1"))
        try! store.save(Fixtures.snapshot(rules, ratings: [4, 4, 4], label: "sprint-2"))
        return path
    }()

    static func site(token: String? = nil) throws -> CoverageSite {
        CoverageSite(
            store: try HistoryStore(path: storePath, readOnly: true), kb: Fixtures.kb,
            policy: AccessPolicy(token: token, loopbackOnly: true))
    }

    static func get(_ site: CoverageSite, _ target: String, method: String = "GET", headers: [String: String] = [:], body: Int = 0)
        -> SiteResponse
    {
        var h = ["host": "127.0.0.1:8080"]
        for (k, v) in headers { h[k] = v }
        return site.respond(SiteRequest(method: method, target: target, headers: h, bodyLength: body))
    }

    @Test func untrustedValuesAreEscapedEverywhere() throws {
        let site = try Self.site()
        for target in ["/technique/T1059.001", "/", "/diff?from=sprint-1&to=sprint-2", "/gaps"] {
            let page = Self.get(site, target)
            #expect(page.status == 200, "\(target): \(page.text)")
            #expect(!page.text.contains("<script>alert"), "\(target) lets a rule title through raw")
            #expect(!page.text.contains("<img src=x"), "\(target) lets a rule path through raw")
        }
        let technique = Self.get(site, "/technique/T1059.001").text
        #expect(technique.contains("&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;"))
        #expect(technique.contains("rules/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.yml"))
        // The matrix shows the best rule's title in a tooltip attribute: escaped too.
        #expect(Self.get(site, "/").text.contains("best: &lt;script&gt;"))
        // Reflected query values are escaped as well.
        let reflected = Self.get(site, "/?snapshot=%22%3E%3Cscript%3E")
        #expect(reflected.contentType.hasPrefix("text/plain") || !reflected.text.contains("\"><script>"))
    }

    @Test func everyResponseCarriesTheSecurityHeaders() throws {
        let site = try Self.site()
        for (target, method) in [("/", "GET"), ("/api/snapshots", "GET"), ("/nowhere", "GET"), ("/", "POST"), ("/static/vigil.css", "GET")]
        {
            let r = Self.get(site, target, method: method)
            let csp = r.headers.first { $0.0 == "Content-Security-Policy" }?.1 ?? ""
            #expect(csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"))
            #expect(r.headers.contains { $0 == ("X-Content-Type-Options", "nosniff") })
            #expect(r.headers.contains { $0 == ("X-Frame-Options", "DENY") })
        }
        // The pages need no inline script or style for the CSP to hold.
        let page = Self.get(site, "/").text
        #expect(!page.contains("<script>") && !page.contains("style=") && !page.contains("onclick"))
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
    func theSiteIsReadOnly(method: String) throws {
        let r = Self.get(try Self.site(), "/api/snapshots", method: method)
        #expect(r.status == 405)
        #expect(r.headers.contains { $0 == ("Allow", "GET, HEAD") })
    }

    @Test func requestSizesAreLimited() throws {
        let site = try Self.site()
        #expect(Self.get(site, "/", body: 10).status == 413)
        #expect(Self.get(site, "/", body: -1).status == 413)
        #expect(Self.get(site, "/?q=" + String(repeating: "a", count: 5000)).status == 414)
        #expect(Self.get(site, "/", headers: ["x-big": String(repeating: "b", count: 20_000)]).status == 431)
        let many = (0..<40).map { "p\($0)=1" }.joined(separator: "&")
        #expect(Self.get(site, "/?" + many).status == 400)
    }

    @Test(arguments: [
        "/static/../../etc/passwd", "/static/..%2f..%2fetc%2fpasswd", "/static/%2e%2e/%2e%2e/etc/passwd", "/layers/..%5c..%5cetc%5cpasswd",
        "/technique/%00", "/static/%zz", "/../etc/passwd",
    ])
    func noPathTraversal(target: String) throws {
        let r = Self.get(try Self.site(), target)
        #expect(r.status == 400 || r.status == 404)
        #expect(!r.text.contains("root:"))
    }

    @Test func theTokenIsCheckedOnEveryRequest() throws {
        let token = "0123456789abcdef0123456789abcdef"
        let site = try Self.site(token: token)
        for target in ["/", "/api/snapshots", "/static/vigil.css", "/layers/status.json", "/nowhere"] {
            #expect(Self.get(site, target).status == 401)
            #expect(Self.get(site, target, headers: ["authorization": "Bearer wrong"]).status == 401)
        }
        #expect(Self.get(site, "/", headers: ["authorization": "Bearer \(token)"]).status == 200)
        #expect(Self.get(site, "/api/snapshots", headers: ["cookie": "a=b; vigil_token=\(token)"]).status == 200)
        let first = Self.get(site, "/?token=\(token)")
        #expect(first.status == 200)
        #expect(first.headers.contains { $0.0 == "Set-Cookie" && $0.1.contains("HttpOnly") && $0.1.contains("SameSite=Strict") })
        // With a token the Host check gives way (the server listens beyond loopback by design).
        #expect(Self.get(site, "/", headers: ["authorization": "Bearer \(token)", "host": "soc.example:8080"]).status == 200)
    }

    @Test func loopbackAnswersOnlyToLoopbackHostNames() throws {
        let site = try Self.site()
        // Names a DNS-rebinding page can point at 127.0.0.1 (a prefix test on `127.` let them through).
        for host in [
            "rebind.attacker.example", "127.evil.com", "127.0.0.1.nip.io", "[::1]evil.com", "127.0.0.1:80.evil.com",
            "localhost.evil.com", "127.0.0.256", "127.1", "[::1", "[::2]", "127.0.0.1:", "127.0.0.1:123456", "",
        ] {
            #expect(Self.get(site, "/", headers: ["host": host]).status == 421, "\(host)")
        }
        for host in ["localhost:8080", "127.0.0.1", "127.12.0.9:8080", "[::1]:9000", "[::1]", "LOCALHOST"] {
            #expect(Self.get(site, "/", headers: ["host": host]).status == 200, "\(host)")
        }
    }

    @Test func pagesAndAPIAnswer() throws {
        let site = try Self.site()
        let matrix = Self.get(site, "/").text
        #expect(matrix.contains("data-id=\"T1059.001\" data-status=\"green\""))
        #expect(matrix.contains("Initial Access") && matrix.contains("Impact"))
        // Tactics in matrix order.
        let reconnaissance = try #require(matrix.range(of: "<h2>Reconnaissance</h2>"))
        let impact = try #require(matrix.range(of: "<h2>Impact</h2>"))
        #expect(reconnaissance.lowerBound < impact.lowerBound)
        #expect(Self.get(site, "/?layer=detection").text.contains("layer-detection"))
        #expect(!Self.get(site, "/?platform=Linux").text.contains("data-id=\"T1546.003\""))
        let onlyExecution = Self.get(site, "/?tactic=execution").text
        #expect(onlyExecution.contains("<h2>Execution</h2>") && !onlyExecution.contains("<h2>Impact</h2>"))
        let technique = Self.get(site, "/technique/T1003.001?snapshot=sprint-1").text
        #expect(technique.contains("id=\"status\">yellow") && technique.contains("<svg class=\"chart\" id=\"history\""))
        #expect(Self.get(site, "/technique/T9999").status == 404)
        #expect(Self.get(site, "/snapshots").text.contains("<svg class=\"chart\" id=\"trend\""))
        #expect(Self.get(site, "/gaps").text.contains("Next log sources to onboard"))
        // An unvalidated snapshot has no validation layer: it is said so, not served empty.
        #expect(Self.get(site, "/layers/validation.json").status == 404)
        // Nor has a snapshot without high-value assets an asset-risk layer.
        #expect(Self.get(site, "/layers/asset-risk.json").status == 404)
        for kind in LayerKind.allCases where kind != .validation && kind != .assetRisk {
            let layer = Self.get(site, "/layers/\(kind.rawValue).json")
            #expect(layer.status == 200 && layer.contentType.hasPrefix("application/json"))
            let json = try JSONSerialization.jsonObject(with: Data(layer.body)) as? [String: Any]
            #expect((json?["versions"] as? [String: Any])?["layer"] as? String == "4.5")
        }
        let api = try JSONSerialization.jsonObject(with: Data(Self.get(site, "/api/snapshots").body)) as? [[String: Any]]
        #expect(api?.count == 2)
        let diff =
            try JSONSerialization.jsonObject(with: Data(Self.get(site, "/api/diff?from=sprint-1&to=sprint-2").body)) as? [String: Any]
        let changed = diff?["techniques"] as? [[String: Any]]
        #expect(changed?.contains { $0["id"] as? String == "T1003.001" } == true)
        let t = try JSONSerialization.jsonObject(with: Data(Self.get(site, "/api/techniques/T1059.001").body)) as? [String: Any]
        #expect((t?["history"] as? [Any])?.count == 2)
        #expect(Self.get(site, "/api/matrix").status == 200 && Self.get(site, "/api/trend").status == 200)
        #expect(Self.get(site, "/api/gaps").status == 200 && Self.get(site, "/api/layers/overlay").status == 200)
        #expect(Self.get(site, "/?snapshot=nope").status == 404)
    }
}
