// `vigil rules check PATH...`: load and compile Sigma rules, say exactly why any rule cannot be used.
// `vigil rules update` (RulesUpdateCommand.swift): install SigmaHQ's release rules as the default set.
import ArgumentParser
import VigilCore
import VigilSigma

#if canImport(Glibc)
    import Glibc
#endif

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "Check detection rules, and install SigmaHQ's release rules.",
        subcommands: [Check.self, RulesUpdateCommand.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parse and compile Sigma rules; list every rejected rule with file:line:col and the reason.",
            discussion: """
                Exit status: 0 when every rule loads, 1 when any rule is rejected, 2 on bad input or usage (a path \
                that does not exist, no rule file at all).
                """)

        @Argument(help: "Rule files or folders (searched for .yml/.yaml).")
        var paths: [String]

        @Option(help: "Output format: table or json (diagnostics and the summary).") var format: OutputFormat?
        @Flag(help: "Same as --format json.") var json = false

        @OptionGroup var sigmaInputs: SigmaInputs

        @Flag(help: "Also list warnings (rules that load but cannot run on any mapped event source).")
        var warnings = false

        @Flag(help: "Print the sizes of the compiled prefilter automata per field.")
        var stats = false

        func validate() throws { _ = try outputFormat }

        var outputFormat: OutputFormat { get throws { try OutputFormat.chosen(format, json: json, allowed: [.table, .json]) } }

        func run() throws {
            let start = Clock.now
            let (values, logsources) = try sigmaInputs.load()
            let collection = RuleLoader.load(paths, placeholders: values)
            let ruleSet = RuleSet(
                rules: collection.rules, filters: collection.filters, correlations: collection.correlations, mapping: logsources)
            let elapsed = Clock.seconds(since: start)
            let all = collection.diagnostics + ruleSet.diagnostics
            let errors = all.filter { $0.severity == .error }
            let shown = warnings ? all : errors
            func countsByCode(_ severity: DiagnosticSeverity) -> [String: Int] {
                all.filter { $0.severity == severity }.reduce(into: [:]) { $0[$1.code, default: 0] += 1 }
            }
            let byCode = countsByCode(.error)
            let warningCodes = countsByCode(.warning)
            let noteCodes = countsByCode(.note)
            let compileRejected = Set(ruleSet.diagnostics.filter { $0.severity == .error }.map(\.location.file))
            let loaded = collection.rules.count

            if try outputFormat == .json {
                var out = "{\"files\":\(collection.filesRead),\"rules\":\(loaded),\"correlations\":\(collection.correlations.count),"
                out += "\"filters\":\(collection.filters.count),\"rejected\":\(errors.count),\"runnable\":\(ruleSet.activeRules.count),"
                out += "\"seconds\":\(elapsed),\"rejected_by_reason\":{"
                func object(_ counts: [String: Int]) -> String {
                    counts.sorted { $0.key < $1.key }.map { "\(JSONString.quoted($0.key)):\($0.value)" }.joined(separator: ",")
                }
                out += object(byCode) + "},\"warnings_by_reason\":{" + object(warningCodes)
                out += "},\"notes_by_reason\":{" + object(noteCodes) + "},\"unmapped_logsources\":["
                out += ruleSet.unmappedLogsources.map { group in
                    "{\"logsource\":\(JSONString.quoted(group.logsource.description)),\"rules\":\(group.rules.count)}"
                }.joined(separator: ",")
                out += "],\"diagnostics\":["
                out += shown.map { d in
                    "{\"file\":\(JSONString.quoted(d.location.file)),\"line\":\(d.location.line ?? 0),\"column\":\(d.location.column ?? 0),"
                        + "\"severity\":\"\(d.severity.rawValue)\",\"code\":\(JSONString.quoted(d.code)),\"message\":\(JSONString.quoted(d.message))}"
                }.joined(separator: ",")
                out += "]}"
                print(out)
            } else {
                for d in shown {
                    print(
                        "\(d.location.file):\(d.location.line ?? 1):\(d.location.column ?? 1): \(d.severity.rawValue): \(d.message) [\(d.code)]"
                    )
                }
                print(
                    "files: \(collection.filesRead)  rules: \(loaded)  correlations: \(collection.correlations.count)  filters: \(collection.filters.count)"
                )
                print("rejected: \(errors.count)  runnable: \(ruleSet.activeRules.count)  (\(String(format3(elapsed))) s)")
                if self.stats {
                    for a in ruleSet.automatonSizes.prefix(25) {
                        print("  automaton \(a.field): \(a.patterns) literals, \(a.states) states, \(a.classes) classes")
                    }
                }
                let stats = ruleSet.statistics
                print(
                    "compiled: \(stats.units) units, \(stats.patterns) prefilter literals (\(stats.automatonStates) automaton states), \(stats.regexes) regexes"
                )
                // Most frequent first, ties by code: the same output on every run.
                func ranked(_ counts: [String: Int]) -> [(key: String, value: Int)] {
                    counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                }
                for (code, count) in ranked(byCode) { print("  rejected  \(count)  \(code)") }
                for (code, count) in ranked(warningCodes) { print("  not runnable  \(count)  \(code)") }
                for line in LogsourceReport.lines(unmapped: ruleSet.unmappedLogsources) { print(line) }
                for (code, count) in ranked(noteCodes) { print("  noted  \(count)  \(code) (--warnings lists them)") }
                _ = compileRejected
            }
            // A path that is not there, or no rule file at all, is bad input rather than a rejected rule.
            let missing = paths.filter { !FileBytes.exists($0) }
            if !missing.isEmpty || collection.filesRead == 0 {
                Output.error(
                    missing.isEmpty ? "no rule files (.yml, .yaml) found" : "no such file or folder: " + missing.joined(separator: ", "))
                throw ExitCode.badInput
            }
            if !errors.isEmpty { throw ExitCode.findings }
        }
    }
}

func format3(_ x: Double) -> String {
    let scaled = (x * 1000).rounded() / 1000
    return String(scaled)
}

/// Monotonic time without Foundation.
enum Clock {
    static var now: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
    static func seconds(since start: Double) -> Double { now - start }
    /// User + system CPU time of the process, all threads.
    static var cpuSeconds: Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
