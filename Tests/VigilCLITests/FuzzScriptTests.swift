// The README's fuzzing commands work as written: each `Fuzz/NAME/run.sh SECONDS` builds its libFuzzer target
// (when not built yet), seeds its corpus from the shared data, fuzzes for a few seconds and exits 0.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite(.serialized) struct FuzzScriptTests {
    @Test(arguments: ["evtx", "json", "sigma", "text"]) func runScriptFuzzes(_ target: String) throws {
        let root = SharedData.packageRoot()
        let run = try ProcessRunner.run("/bin/bash", [root + "/Fuzz/\(target)/run.sh", "5"])
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        // libFuzzer's closing statistics: it ran inputs and found nothing.
        #expect(run.stderr.contains("Done ") && run.stderr.contains("stat::number_of_executed_units"), "\(run.stderr.suffix(1000))")
        let crashes = root + "/Fuzz/corpus/\(target)-crashes"
        let found = (try? FileManager.default.contentsOfDirectory(atPath: crashes)) ?? []
        #expect(found.isEmpty, "crashing inputs in \(crashes)")
    }
}
