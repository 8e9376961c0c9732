// The web UI in a real browser: `vigil serve` over a store built from real Sigma rules and the example
// inventory, loaded in Debian's headless Chromium; the DOM must hold the expected techniques and colours
// and the screenshot must not be blank. Set VIGIL_SCREENSHOT to keep the matrix screenshot (docs/matrix.png).

import Foundation
import Testing
import VigilAttack
import VigilCore
import VigilCoverage
import VigilStore

@Suite(.serialized) struct BrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Sigma's Windows process-creation and PowerShell rules (real titles and tags), rated 4, plus the hostile one.
    static let storePath: String = {
        var rules: [DetectionRule] = []
        for folder in ["rules/sigma/process_creation", "rules/sigma/powershell", "rules/sigma/registry"] {
            guard let path = try? SharedData.path(folder) else { continue }
            for i in RuleRepositories.read([path], as: .sigma).imports { rules += i.rules }
        }
        var hostile = Fixtures.sigma("hostile", ["T1059.001"], category: "process_creation", title: SiteSecurityTests.hostileTitle)
        hostile.path = SiteSecurityTests.hostilePath
        rules.append(hostile)
        let path = Fixtures.storePath()
        let store = try! HistoryStore(path: path)
        try! store.save(
            Fixtures.snapshot(
                Array(rules.prefix(rules.count / 2)) + [hostile], ratings: Array(repeating: 3, count: rules.count / 2 + 1), label: "start"))
        try! store.save(Fixtures.snapshot(rules, ratings: rules.map { $0.status == "experimental" ? 2 : 4 }, label: "now"))
        return path
    }()

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
        let server = try ServeProcess(["--store", Self.storePath])
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let dom = try Self.run(["--dump-dom", base + "/"])
        #expect(dom.contains("<h2>Initial Access</h2>") && dom.contains("<h2>Impact</h2>"))
        // PowerShell is green (rules on collected logs), WMI event subscription is not detected.
        #expect(dom.contains("class=\"cell s-green\" data-id=\"T1059.001\" data-status=\"green\""))
        #expect(dom.contains("data-id=\"T1546.003\""))
        #expect(!dom.contains("data-id=\"T1546.003\" data-status=\"green\""))
        #expect(dom.contains("<details class=\"subs\">"))
        // The script ran (it is allowed by the CSP): nothing here would run an inline one.
        #expect(!dom.contains("<script>alert"))

        let technique = try Self.run(["--dump-dom", base + "/technique/T1059.001"])
        #expect(technique.contains("id=\"status\">green"))
        #expect(technique.contains("&lt;script&gt;alert("))
        #expect(technique.contains("<svg class=\"chart\" id=\"history\""))
        #expect(technique.contains("Data components") || technique.contains("Log sources"))

        let shot = NSTemporaryDirectory() + "vigil-matrix-\(UUID().uuidString).png"
        _ = try Self.run(["--screenshot=" + shot, "--window-size=1800,1100", base + "/"])
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
