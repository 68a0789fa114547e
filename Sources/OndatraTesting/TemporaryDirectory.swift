import Foundation

/// A fresh folder under the system's temporary directory, deleted when the value is released.
///
/// ```swift
/// let folder = try TemporaryDirectory()
/// try folder.write("config/settings.sql", "SET threads = 2;")
/// ```
public final class TemporaryDirectory {
    /// The folder's absolute URL.
    public let url: URL

    /// Creates the folder.
    public init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "ondatra-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `contents` to `relativePath` inside the folder, creating subfolders as needed.
    public func write(_ relativePath: String, _ contents: String) throws {
        let file = url.appending(path: relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: file)
    }

    /// The text of the file at `relativePath`.
    public func read(_ relativePath: String) throws -> String {
        try String(contentsOf: url.appending(path: relativePath), encoding: .utf8)
    }
}
