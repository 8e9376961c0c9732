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

extension BrowserTests {
    /// A saved hunt in Chromium: the timeline by host, the observed-technique matrix and a detection page render, and
    /// the screenshot holds the timeline's level colours (pixels decoded from the PNG, not guessed from its bytes).
    @Test func aSavedHuntRendersInChromium() throws {
        let folder = NSTemporaryDirectory() + "vigil-browser-hunt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = folder + "/history.db"
        let saved = try ProcessRunner.vigil(
            [
                "hunt", "--rules", try SharedData.path("rules/sigma/rules/windows"), "--technique", "T1003", "--save", "--store", store,
                "--quiet",
                try SharedData.path("logs/sysmon-json"),
            ])
        #expect(saved.status == 1, "\(saved.stderr)")
        let server = try ServeProcess(["--store", store])
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let dom = try Self.run(["--dump-dom", base + "/hunts/1"])
        #expect(dom.contains("<svg class=\"chart\" id=\"hunt-timeline\"") && dom.contains("<circle class=\"l-high\""))
        #expect(dom.contains("<div class=\"matrix observed\">") && dom.contains("<h2>Credential Access</h2>"))
        #expect(dom.contains("<span class=\"id\">T1003.001</span>"))
        let detection = try Self.run(["--dump-dom", base + "/hunts/1/detections/1"])
        #expect(detection.contains("id=\"event-fields\""))

        let shot = folder + "/hunt.png"
        _ = try Self.run(["--screenshot=" + shot, "--window-size=1400,1100", base + "/hunts/1"])
        let image = try PNGPixels(Array(try Data(contentsOf: URL(fileURLWithPath: shot))))
        // The timeline's high (#d7301f) and medium (#fc8d59) dots, and the observed cells' darkest band (#7f0000).
        for (name, colour) in [("high", (215, 48, 31)), ("medium", (252, 141, 89)), ("most detections", (127, 0, 0))] {
            #expect(image.count(colour, tolerance: 6) > 20, "no \(name) pixels in the hunt page's screenshot")
        }
    }
}

/// A PNG's pixels: 8-bit RGB or RGBA, scanlines unfiltered (None, Sub, Up, Average, Paeth), as Chromium writes them.
struct PNGPixels {
    var width = 0
    var height = 0
    var channels = 0
    var pixels: [UInt8] = []

    init(_ png: [UInt8]) throws {
        var idat: [UInt8] = []
        var i = 8
        while i + 8 <= png.count {
            let length = Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3])
            let type = String(decoding: png[(i + 4)..<(i + 8)], as: UTF8.self)
            let body = Array(png[(i + 8)..<min(i + 8 + length, png.count)])
            if type == "IHDR" {
                width = Int(body[0]) << 24 | Int(body[1]) << 16 | Int(body[2]) << 8 | Int(body[3])
                height = Int(body[4]) << 24 | Int(body[5]) << 16 | Int(body[6]) << 8 | Int(body[7])
                channels = body[9] == 6 ? 4 : body[9] == 2 ? 3 : 0
                guard body[8] == 8, channels > 0 else { throw LiveTestError("PNG is not 8-bit RGB(A)") }
            }
            if type == "IDAT" { idat += body }
            i += 12 + length
        }
        let raw = try Gzip.inflate(idat, file: "screenshot.png")
        let stride = width * channels
        pixels = [UInt8](repeating: 0, count: stride * height)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            for x in 0..<stride {
                let value = raw[y * (stride + 1) + 1 + x]
                let a = x >= channels ? Int(pixels[y * stride + x - channels]) : 0
                let b = y > 0 ? Int(pixels[(y - 1) * stride + x]) : 0
                let c = x >= channels && y > 0 ? Int(pixels[(y - 1) * stride + x - channels]) : 0
                let predictor: Int
                switch filter {
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                    predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                default: predictor = 0
                }
                pixels[y * stride + x] = UInt8(truncatingIfNeeded: Int(value) + predictor)
            }
        }
    }

    /// Pixels within `tolerance` of an RGB colour.
    func count(_ colour: (Int, Int, Int), tolerance: Int) -> Int {
        var n = 0
        var i = 0
        while i + 2 < pixels.count {
            if abs(Int(pixels[i]) - colour.0) <= tolerance && abs(Int(pixels[i + 1]) - colour.1) <= tolerance
                && abs(Int(pixels[i + 2]) - colour.2) <= tolerance
            {
                n += 1
            }
            i += channels
        }
        return n
    }
}
