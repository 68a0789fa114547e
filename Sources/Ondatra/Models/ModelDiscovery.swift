import Foundation

/// Finds and parses every model of a project.
public enum ModelDiscovery {
    /// Every `models/**/*.sql` and `models/**/*.star`, parsed, sorted by target.
    /// - Throws: the first parse error, or an error naming both files when two map to one target
    ///   (targets match without regard to case, as DuckDB's names do).
    public static func models(in project: Project) throws -> [Model] {
        let root = project.url("models")
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        else {
            return []
        }
        var models: [Model] = []
        var byTarget: [Target: (path: String, target: Target)] = [:]
        for case let url as URL in walker where url.pathExtension == "sql" || url.pathExtension == "star" {
            let path = project.relativePath(of: url)
            let text: String
            do {
                text = try String(contentsOf: url, encoding: .utf8)
            } catch {
                throw OndatraError(.io, "could not read: \(error.localizedDescription)", file: path)
            }
            let model = try ModelParser.parse(path: path, text: text)
            if let other = byTarget[model.target] {
                let both = [other, (path, model.target)].sorted { $0.path < $1.path }
                let files = "\(both[0].path) and \(both[1].path)"
                let targets =
                    both[0].target.description == both[1].target.description
                    ? "\(model.target)"
                    : "\(both[0].target) and \(both[1].target), one table to DuckDB (names ignore case)"
                throw OndatraError(.project, "\(files) both map to \(targets); rename one of them")
            }
            byTarget[model.target] = (path, model.target)
            models.append(model)
        }
        return models.sorted { $0.target < $1.target }
    }
}
