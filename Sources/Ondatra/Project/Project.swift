import Foundation

/// An OndatraSQL project on disk: the folder that holds `config/catalog.sql`.
public struct Project: Sendable {
    /// The project's root folder, absolute and standardized.
    public let root: URL

    /// The file whose presence marks a project root.
    public static let markerPath = "config/catalog.sql"

    /// Opens the project at `root`.
    /// - Throws: ``OndatraError`` with code `.project` when `root` has no `config/catalog.sql`.
    public init(root: URL) throws {
        let standardized = root.standardizedFileURL
        guard FileManager.default.fileExists(atPath: standardized.appending(path: Self.markerPath).path) else {
            throw OndatraError(
                .project,
                "\(standardized.path) is not an OndatraSQL project: \(Self.markerPath) is missing "
                    + "(create one with `ondatrasql init \(standardized.path)`)")
        }
        self.root = standardized
    }

    /// Finds the project that holds `directory`, walking up to the filesystem root.
    /// - Throws: ``OndatraError`` with code `.project` when no folder on the way holds `config/catalog.sql`.
    public static func discover(from directory: URL) throws -> Project {
        var candidate = directory.standardizedFileURL
        while true {
            if FileManager.default.fileExists(atPath: candidate.appending(path: markerPath).path) {
                return try Project(root: candidate)
            }
            let parent = candidate.deletingLastPathComponent()
            if parent.path == candidate.path { break }
            candidate = parent
        }
        throw OndatraError(
            .project,
            "no OndatraSQL project in \(directory.standardizedFileURL.path) or any parent folder "
                + "(looked for \(markerPath)); run `ondatrasql init` or pass --project DIR")
    }

    /// The absolute URL of a project-relative path.
    public func url(_ relativePath: String) -> URL { root.appending(path: relativePath) }

    /// The folder for runtime state (`.ondatra/`: sync queue, event buffer, tokens, locks).
    public var stateDirectory: URL { url(".ondatra") }

    /// `path` relative to the project root when it lies inside it, else the absolute path.
    public func relativePath(of url: URL) -> String {
        let full = url.standardizedFileURL.path
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        return full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : full
    }
}
