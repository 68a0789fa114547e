import ArgumentParser
import Foundation
import Ondatra

/// `ondatrasql init [DIR]`: creates a new project.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new project (config/, models/, lib/, .env, .gitignore).",
        discussion: "Never overwrites: refuses when DIR/config already exists."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Where to create the project (default: the current directory).", valueName: "DIR"))
    var directory: String?

    func run() throws {
        let current = URL(filePath: FileManager.default.currentDirectoryPath, directoryHint: .isDirectory)
        let target = URL(filePath: directory ?? global.project ?? ".", directoryHint: .isDirectory, relativeTo: current)
        let project = try ProjectScaffold.create(at: target)
        print("Created project in \(project.root.path)")
        print("  config/catalog.sql  DuckLake catalog (lake.sqlite + lake.files/)")
        print("  models/             raw/, staging/, mart/, sync/")
        print("  lib/                Starlark lib functions")
        print("Try: ondatrasql --project \(Self.shellQuoted(project.root.path)) sql \"SELECT * FROM lake.snapshots()\"")
    }

    /// `text` as one shell word: in single quotes (each `'` closed, escaped and reopened) unless it
    /// holds only characters a shell leaves alone.
    static func shellQuoted(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy {
            $0.isASCII
                && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "/._-+=:@%".unicodeScalars.contains($0))
        }
        return plain && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
