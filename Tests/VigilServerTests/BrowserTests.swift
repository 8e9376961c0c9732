// The web UI in a real browser: `vigil serve` over a store built from real Sigma rules and the example
// inventory, loaded in Debian's headless Chromium; the DOM must hold the expected techniques and colours
// and the screenshot must not be blank. Set VIGIL_SCREENSHOT to keep the matrix screenshot (docs/matrix.png).

import Foundation
import Testing
import VigilAttack
import VigilCore
import VigilCoverage
import VigilStore
import VigilTestSupport

@Suite(.serialized) struct BrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Sigma's Windows process-creation, PowerShell and registry rules (real titles and tags), rated 4
    /// (experimental ones 2), plus the hostile one; an earlier snapshot holds half of them at rating 3.
    static func makeStore() throws -> String {
        var rules: [DetectionRule] = []
        for folder in ["process_creation", "powershell", "registry"] {
            let path = try SharedData.path("rules/sigma/rules/windows/" + folder)
            for i in RuleRepositories.read([path], as: .sigma).imports { rules += i.rules }
        }
        #expect(rules.count > 1000, "expected Sigma's Windows rules under shared/rules/sigma")
        var hostile = Fixtures.sigma("hostile", ["T1059.001"], category: "process_creation", title: SiteSecurityTests.hostileTitle)
        hostile.path = SiteSecurityTests.hostilePath
        let path = Fixtures.storePath()
        let store = try HistoryStore(path: path)
        let half = Array(rules.prefix(rules.count / 2)) + [hostile]
        try store.save(Fixtures.snapshot(half, ratings: half.map { _ in 3 }, label: "start"))
        let all = rules + [hostile]
        try store.save(Fixtures.snapshot(all, ratings: all.map { $0.status == "experimental" ? 2 : 4 }, label: "now"))
        // Benchmarks/serve.sh imports this snapshot when no `vigil coverage --save` is at hand.
        if let keep = ProcessInfo.processInfo.environment["VIGIL_KEEP_SNAPSHOT"] {
            try JSONEncoder().encode(try store.snapshot("latest")).write(to: URL(fileURLWithPath: keep))
        }
        return path
    }

    static func run(_ arguments: [String]) throws -> String {
        guard let chromium else {
            throw LiveTestError("Chromium is not installed: `apt-get install -y chromium` (Debian) to run the browser tests")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments =
            ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run"]
            + ["--user-data-dir=" + NSTemporaryDirectory() + "vigil-chromium-" + UUID().uuidString] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func theMatrixAndATechniquePageRenderInChromium() throws {
        let server = try ServeProcess(["--store", try Self.makeStore()])
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let dom = try Self.run(["--dump-dom", base + "/"])
        #expect(dom.contains("<h2>Initial Access</h2>") && dom.contains("<h2>Impact</h2>"))
        // PowerShell is green (rules on collected logs); cloud discovery has neither rules nor logs: red.
        #expect(dom.contains("class=\"cell s-green\" data-id=\"T1059.001\" data-status=\"green\""))
        #expect(dom.contains("class=\"cell s-red\" data-id=\"T1580\" data-status=\"red\""))
        #expect(dom.contains("class=\"cell s-yellow\"") && dom.contains("class=\"cell s-white\""))
        #expect(dom.contains("<details class=\"subs\">"))
        // The script ran (it is allowed by the CSP): nothing here would run an inline one.
        #expect(!dom.contains("<script>alert"))

        let technique = try Self.run(["--dump-dom", base + "/technique/T1059.001"])
        #expect(technique.contains("id=\"status\">green"))
        #expect(technique.contains("&lt;script&gt;alert("))
        #expect(technique.contains("<svg class=\"chart\" id=\"history\""))
        #expect(technique.contains("Data components") || technique.contains("Log sources"))

        let shot = NSTemporaryDirectory() + "vigil-matrix-\(UUID().uuidString).png"
        _ = try Self.run(["--screenshot=" + shot, "--window-size=2100,1100", "--force-device-scale-factor=0.75", base + "/"])
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.starts(with: [0x89, 0x50, 0x4e, 0x47]))
        let colours = try Self.distinctBytes(png: Array(png))
        #expect(colours > 40, "the screenshot looks blank (\(colours) distinct byte values)")
        if let keep = ProcessInfo.processInfo.environment["VIGIL_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: shot, toPath: keep)
        }
    }

    /// Distinct byte values in the PNG's decompressed image data: a blank page has a handful.
    static func distinctBytes(png: [UInt8]) throws -> Int {
        var idat: [UInt8] = []
        var i = 8
        while i + 8 <= png.count {
            let length = Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3])
            let type = String(decoding: png[(i + 4)..<(i + 8)], as: UTF8.self)
            if type == "IDAT" { idat += png[(i + 8)..<min(i + 8 + length, png.count)] }
            i += 12 + length
        }
        let pixels = try Gzip.inflate(idat, file: "screenshot.png")
        var seen = Set<UInt8>()
        for b in pixels { seen.insert(b) }
        return seen.count
    }
}
