import Foundation

/// Finds and parses every model of a project.
public enum ModelDiscovery {
    /// Every `models/**/*.sql` and `models/**/*.star`, parsed, sorted by target. Hidden files and
    /// folders (names starting with `.`, such as an editor's `.#orders.sql` lock file) are not models.
    /// - Throws: every file's mistake at once (a file that does not read or parse, two files
    ///   mapping to one target: targets match without regard to case, as DuckDB's names do), so
    ///   one round of edits fixes them all.
    public static func models(in project: Project) throws -> [Model] {
        let root = project.url("models")
        guard
            let walker = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else {
            return []
        }
        var models: [Model] = []
        var problems: [(path: String, error: OndatraError)] = []
        var byTarget: [Target: (path: String, target: Target)] = [:]
        // `.SQL` is a model too: editors on Windows and macOS write either case.
        for case let url as URL in walker where ["sql", "star"].contains(url.pathExtension.lowercased()) {
            let path = project.relativePath(of: url)
            // A dangling link (an editor's lock file elsewhere) is nothing to read.
            guard !url.lastPathComponent.hasPrefix("."),
                (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
            else { continue }
            let model: Model
            do {
                model = try ModelParser.parse(path: path, text: try TextFile.read(url, path: path))
            } catch let error as OndatraError {
                problems.append((path, error))
                continue
            }
            if let other = byTarget[model.target] {
                let both = [other, (path, model.target)].sorted { $0.path < $1.path }
                let files = "\(both[0].path) and \(both[1].path)"
                let targets =
                    both[0].target.description == both[1].target.description
                    ? "\(model.target)"
                    : "\(both[0].target) and \(both[1].target), one table to DuckDB (names ignore case)"
                problems.append(
                    (both[1].path, OndatraError(.project, "\(files) both map to \(targets); rename one of them")))
                continue
            }
            byTarget[model.target] = (path, model.target)
            models.append(model)
        }
        let sorted = problems.sorted { $0.path < $1.path }
        if sorted.count == 1, let only = sorted.first { throw only.error }
        if sorted.count > 1 {
            throw OndatraError(
                .project,
                "\(sorted.count) model files have mistakes:\n  "
                    + sorted.map(\.error.description).joined(separator: "\n  "))
        }
        return models.sorted { $0.target < $1.target }
    }

    /// The offset of the first byte of `data` that does not begin a valid UTF-8 sequence.
    public static func firstInvalidUTF8Byte(in data: Data) -> Int {
        let bytes = [UInt8](data)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let length =
                byte < 0x80 ? 1 : byte >> 5 == 0b110 ? 2 : byte >> 4 == 0b1110 ? 3 : byte >> 3 == 0b11110 ? 4 : 0
            guard length > 0, index + length <= bytes.count,
                bytes[(index + 1)..<(index + length)].allSatisfy({ $0 >> 6 == 0b10 })
            else { return index }
            index += length
        }
        return max(0, bytes.count - 1)
    }
}
