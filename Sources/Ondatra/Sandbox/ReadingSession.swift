import Foundation

/// A session for a command that only reads the catalog (`run --plan`, `ls`, `history`,
/// `describe`, `lineage`): on the project's catalog, or, when its metadata file does not exist
/// yet, on an empty catalog in a sandbox, so that reading never creates the catalog.
public struct ReadingSession {
    /// The session to read through.
    public let session: Session
    /// The sandbox holding the empty catalog, when there is one; ``close()`` removes it.
    private let sandbox: Sandbox?

    /// Opens `project` for reading.
    /// - Parameter environment: the process environment; its values win over `.env`.
    /// - Throws: ``OndatraError`` when the config fails.
    public init(project: Project, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        if try Self.catalogFileMissing(project, environment: environment) {
            let sandbox = try Sandbox(project: project, environment: environment)
            do {
                session = try sandbox.context.makeSession()
            } catch {
                sandbox.remove()
                throw error
            }
            self.sandbox = sandbox
        } else {
            session = try Session(project: project, environment: environment)
            sandbox = nil
        }
    }

    /// Removes the empty catalog's sandbox, if there is one.
    public func close() {
        sandbox?.remove()
    }

    /// Whether `config/catalog.sql` attaches an SQLite or DuckDB catalog file that does not exist
    /// (or is empty).
    static func catalogFileMissing(_ project: Project, environment: [String: String]) throws -> Bool {
        let variables = ProjectContext.variables(
            project, dotEnv: try DotEnv.load(from: project.root), environment: environment)
        let expander = VariableExpander(variables: variables)
        let text = try TextFile.read(project.url(Project.markerPath), path: Project.markerPath, code: .config)
        for statement in SQLStatementSplitter.split(text) {
            guard
                let expanded = try? expander.expansion(
                    of: statement.text, file: Project.markerPath, firstLine: statement.line),
                let attach = CatalogAttach(statement: expanded.text)
            else { continue }
            switch attach.metadata {
            case .sqlite(let path), .duckdb(let path):
                return !CatalogCopier.holdsData(Sandbox.absolute(path))
            case .postgres, .server:
                return false
            }
        }
        return false
    }
}
