// `vigil history …`: the snapshots in the history store, what changed between two of them, and
// moving snapshots between stores (export/import).
import ArgumentParser
import Foundation
import VigilStore

struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The history store (default: $XDG_DATA_HOME/vigil/history.sqlite).", valueName: "file"))
    var store: String?

    var path: String { store ?? HistoryStore.defaultPath }

    /// Opens the store; an unusable store prints why and exits 2.
    func open(readOnly: Bool = false) throws -> HistoryStore {
        do { return try HistoryStore(path: path, readOnly: readOnly) } catch {
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
            its label, `latest` or `previous`.
            """,
        subcommands: [HistoryListCommand.self, HistoryDiffCommand.self, HistoryExportCommand.self, HistoryImportCommand.self],
        defaultSubcommand: HistoryListCommand.self)
}

struct HistoryListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the snapshots, oldest first.")

    @OptionGroup var store: StoreOptions
    @Flag(help: "Machine-readable output.") var json = false

    func run() throws {
        let summaries: [SnapshotSummary]
        do { summaries = try store.open().summaries() } catch let error as StoreError {
            Output.error(error.description)
            throw ExitCode.badInput
        }
        if json {
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
            ]
        }
        print(
            Output.table(["id", "label", "taken", "ATT&CK", "inventory", "rules", "green", "yellow", "red", "white", "green %"], rows),
            terminator: "")
    }
}

struct HistoryDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Show what changed between two snapshots: colours and why, rules, log sources.")

    @Argument(help: "The older snapshot (id, label, latest, previous).") var from: String
    @Argument(help: "The newer snapshot.") var to: String
    @OptionGroup var store: StoreOptions
    @Flag(help: "Machine-readable output.") var json = false

    func run() throws {
        let diff: SnapshotDiff
        do {
            let s = try store.open()
            diff = SnapshotDiff(from: try s.snapshot(from), to: try s.snapshot(to))
        } catch let error as StoreError {
            Output.error(error.description)
            throw ExitCode.badInput
        }
        if json { Output.printJSON(diff) } else { print(diff.text, terminator: "") }
    }
}

struct HistoryExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write one snapshot as JSON (to move it to another store).")

    @Argument(help: "The snapshot (id, label, latest, previous).") var snapshot: String
    @OptionGroup var store: StoreOptions

    func run() throws {
        do { Output.printJSON(try store.open().snapshot(snapshot)) } catch let error as StoreError {
            Output.error(error.description)
            throw ExitCode.badInput
        }
    }
}

struct HistoryImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Record snapshots exported with `vigil history export`, each as a new snapshot.")

    @Argument(help: "Snapshot JSON files.") var files: [String]
    @Option(help: "Label for the imported snapshot (one file only).") var label: String?
    @OptionGroup var store: StoreOptions

    func validate() throws {
        if label != nil && files.count != 1 { throw ValidationError("--label needs exactly one file") }
    }

    func run() throws {
        let s = try store.open()
        for file in files {
            do {
                var snapshot = try JSONDecoder().decode(Snapshot.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
                // Labels are unique per store: an imported one keeps its label only when asked or free.
                snapshot.summary.label = label ?? ((try? s.resolve(snapshot.summary.label ?? "")) == nil ? snapshot.summary.label : nil)
                let saved = try s.save(snapshot)
                print("recorded \(saved.name) from \(file)")
            } catch let error as StoreError {
                Output.error("\(file): \(error.description)")
                throw ExitCode.badInput
            } catch {
                Output.error("\(file): not a Vigil snapshot: \(error)")
                throw ExitCode.badInput
            }
        }
    }
}
