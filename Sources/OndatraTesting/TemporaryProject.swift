import Foundation
import Ondatra

/// A new project (as `ondatrasql init` makes it) in a temporary folder, deleted when released.
///
/// ```swift
/// let sandbox = try TemporaryProject()
/// try sandbox.write("models/raw/orders.sql", "SELECT 1 AS id")
/// let session = try Session(project: sandbox.project, environment: [:])
/// ```
public final class TemporaryProject {
    /// The folder holding the project.
    public let directory: TemporaryDirectory
    /// The project.
    public let project: Project

    /// Creates the folder and the project's files.
    public init() throws {
        directory = try TemporaryDirectory()
        project = try ProjectScaffold.create(at: directory.url)
    }

    /// Writes a project file (a model, a config file, `.env`, …).
    public func write(_ relativePath: String, _ contents: String) throws {
        try directory.write(relativePath, contents)
    }
}
