// `vigil history …`: the snapshots in the history store, what changed between two of them, and
// moving snapshots between stores (export/import).
import ArgumentParser
import Foundation
import VigilStore

struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The history store (default: $XDG_DATA_HOME/vigil/history.sqlite).", valueName: "file"))
    var store: String?

    var path: String { store ?? HistoryStore.defaultPath }

    /// Opens the store; an unusable store prints why and exits 2. Only commands that record snapshots create a
    /// store: for the others one that does not exist is an error, not an empty store left behind.
    func open(readOnly: Bool = false, create: Bool = true) throws -> HistoryStore {
        do { return try HistoryStore(path: path, readOnly: readOnly, create: create) } catch {
            Output.error("\(error)")
            throw ExitCode.badInput
        }
    }
}

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "List coverage snapshots and show what changed between them.",
        discussion: """
            Snapshots are recorded by `vigil coverage --save [--label L]`. A snapshot is named by its id (42 or #42), \
            its label, `latest` or `previous`. Every subcommand takes --format (--json is the same as --format json) and \
            exits 0 on success, 1 when `diff` finds changes, 2 on bad input, an unknown snapshot or a store that does not \
            exist (only `import` creates one).
            """,
        subcommands: [
            HistoryListCommand.self, HistoryShowCommand.self, HistoryDiffCommand.self, HistoryExportCommand.self, HistoryImportCommand.self,
        ],
        defaultSubcommand: HistoryListCommand.self)

    /// Runs `body` on the store, turning store errors (unknown snapshot, damaged row) into a message and exit 2.
    static func reading<T>(_ store: StoreOptions, _ body: (HistoryStore) throws -> T) throws -> T {
        let s = try store.open(create: false)
        do { return try body(s) } catch let error as StoreError {
            Output.error(error.description)
            throw ExitCode.badInput
        }
    }
}

struct HistoryListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the snapshots, oldest first.")

    @OptionGroup var store: StoreOptions
    @Option(help: "Output format: table or json.") var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        let summaries = try HistoryCommand.reading(store) { try $0.summaries() }
        if format == .json {
            Output.printJSON(summaries)
            return
        }
        if summaries.isEmpty {
            print("No snapshots in \(store.path): record one with `vigil coverage --save`.")
            return
        }
        let rows = summaries.map { s in
            [
                "#\(s.id)", s.label ?? "", s.createdAt, s.attackVersion, s.inventoryName, String(s.ruleCount), String(s.counts.green),
                String(s.counts.yellow), String(s.counts.red), String(s.counts.white), "\(s.greenPercent)%",
                s.validation.map { "\($0.greenValidated) (\($0.missed) missed)" } ?? "—",
            ]
        }
        print(
            Output.table(
                ["id", "label", "taken", "ATT&CK", "inventory", "rules", "green", "yellow", "red", "white", "green %", "validated"], rows),
            terminator: "")
    }
}

struct HistoryShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one snapshot: its inputs, counts and colours per tactic.")

    @Argument(help: "The snapshot (id, label, latest, previous).") var snapshot: String
    @OptionGroup var store: StoreOptions
    @Option(help: "Output format: table or json.") var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        let s = try HistoryCommand.reading(store) { try $0.summary(snapshot) }
        if format == .json {
            Output.printJSON(s)
            return
        }
        print("\(s.name), taken \(s.createdAt)")
        print("ATT&CK \(s.attackDomain) \(s.attackVersion); inventory \(s.inventoryName); green at rating ≥ \(s.threshold)")
        if !s.actors.isEmpty { print("actors: \(s.actors.joined(separator: ", "))") }
        for (key, value) in s.inputs.sorted(by: { $0.key < $1.key }) { print("\(key): \(value)") }
        print("\(s.ruleCount) rules, \(s.logSourceCount) log sources, \(s.techniqueCount) techniques, \(s.greenPercent)% green\n")
        let rows =
            s.tactics.map { t in
                [
                    t.tactic, String(t.counts.green), String(t.counts.yellow), String(t.counts.red), String(t.counts.white),
                    "\(t.counts.greenPercent)%",
                ]
            } + [
                [
                    "all", String(s.counts.green), String(s.counts.yellow), String(s.counts.red), String(s.counts.white),
                    "\(s.greenPercent)%",
                ]
            ]
        print(Output.table(["tactic", "green", "yellow", "red", "white", "green %"], rows), terminator: "")
    }
}

struct HistoryDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Show what changed between two snapshots: colours and why, rules, log sources.",
        discussion: "Exit 0 when nothing changed, 1 when something did, 2 on an unknown snapshot or store.")

    @Argument(help: "The older snapshot (id, label, latest, previous).") var from: String
    @Argument(help: "The newer snapshot.") var to: String
    @OptionGroup var store: StoreOptions
    @Option(help: "Output format: table or json.") var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        let diff = try HistoryCommand.reading(store) { s in SnapshotDiff(from: try s.snapshot(from), to: try s.snapshot(to)) }
        if format == .json { Output.printJSON(diff) } else { print(diff.text, terminator: "") }
        if !diff.isEmpty { throw ExitCode.findings }
    }
}

struct HistoryExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write one snapshot as JSON (to move it to another store).")

    @Argument(help: "The snapshot (id, label, latest, previous).") var snapshot: String
    @OptionGroup var store: StoreOptions
    @Option(help: "Output format: json (the only one).") var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false

    func run() throws {
        _ = try OutputFormat.chosen(format, json: json, allowed: [.json], fallback: .json)
        Output.printJSON(try HistoryCommand.reading(store) { try $0.snapshot(snapshot) })
    }
}

struct HistoryImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Record snapshots exported with `vigil history export`, each as a new snapshot.",
        discussion: """
            A snapshot the store holds already (the same content, whatever its label) is not recorded twice: it is named and \
            skipped. Creates the store when it does not exist. Exit 0 when every file was recorded or already there, 2 when a \
            file could not be read (the others are imported).
            """)

    @Argument(help: "Snapshot JSON files.") var files: [String]
    @Option(help: "Label for the imported snapshot (one file only).") var label: String?
    @OptionGroup var store: StoreOptions
    @Option(help: "Output format: table or json.") var format: OutputFormat?
    @Flag(help: "Same as --format json.") var json = false

    struct Imported: Encodable {
        var file: String
        /// `recorded`, `already-stored` or `failed`.
        var outcome: String
        var snapshot: SnapshotSummary?
        var error: String?
    }

    func validate() throws {
        if label != nil && files.count != 1 { throw ValidationError("--label needs exactly one file") }
    }

    func run() throws {
        let format = try OutputFormat.chosen(format, json: json, allowed: [.table, .json])
        let s = try store.open()
        var results: [Imported] = []
        for file in files {
            do {
                var snapshot = try JSONDecoder().decode(Snapshot.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
                // Labels are unique per store: an imported one keeps its label only when asked or free.
                snapshot.summary.label = label ?? ((try? s.resolve(snapshot.summary.label ?? "")) == nil ? snapshot.summary.label : nil)
                switch try s.saveUnlessStored(snapshot) {
                case .saved(let saved):
                    results.append(Imported(file: file, outcome: "recorded", snapshot: saved))
                    if format == .table { print("recorded \(saved.name) from \(file)") }
                case .alreadyStored(let existing):
                    results.append(Imported(file: file, outcome: "already-stored", snapshot: existing))
                    if format == .table { print("\(file) is already in the store as \(existing.name): not recorded again") }
                }
            } catch {
                let reason = (error as? StoreError)?.description ?? "not a Vigil snapshot: \(error)"
                Output.error("\(file): \(reason)")
                results.append(Imported(file: file, outcome: "failed", error: reason))
            }
        }
        if format == .json { Output.printJSON(results) }
        if results.contains(where: { $0.outcome == "failed" }) { throw ExitCode.badInput }
    }
}
