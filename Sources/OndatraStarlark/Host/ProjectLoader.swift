import Foundation
import Ondatra
import Starlark

/// Resolves `load("lib/helpers.star", …)`: project-relative paths only, never outside the
/// project, each file run once per script run, and cycles reported with their path.
final class ProjectLoader: @unchecked Sendable {
    let project: Project
    let predeclared: [String: Value]
    private var loaded: [String: [String: Value]] = [:]
    private var loading: [String] = []

    /// - Parameter entry: the file that runs first; loading it again is a cycle.
    init(project: Project, predeclared: [String: Value], entry: String) {
        self.project = project
        self.predeclared = predeclared
        loading = [entry]
    }

    /// The exported globals of `module`, running it on first use.
    func load(_ thread: StarlarkThread, _ module: String) throws -> [String: Value] {
        let path = try resolve(module)
        if let globals = loaded[path] { return globals }
        if let start = loading.firstIndex(of: path) {
            throw StarlarkError("load: cycle: \((loading[start...] + [path]).joined(separator: " → "))")
        }
        let text: String
        do {
            text = try String(contentsOf: project.url(path), encoding: .utf8)
        } catch {
            throw StarlarkError("load: cannot read \(path): \(error.localizedDescription)")
        }
        loading.append(path)
        defer { loading.removeLast() }
        let globals = try StarlarkProgram(source: text, file: path, predeclared: predeclared, options: .all)
            .run(on: thread)
        loaded[path] = globals
        return globals
    }

    /// `module` as a normalized project-relative path.
    func resolve(_ module: String) throws -> String {
        guard !module.hasPrefix("/"), !module.contains("\\") else {
            throw StarlarkError("load: \(module): paths are relative to the project root")
        }
        var parts: [Substring] = []
        for part in module.split(separator: "/") where part != "." && !part.isEmpty {
            if part == ".." {
                guard !parts.isEmpty else { throw StarlarkError("load: \(module) is outside the project") }
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        let path = parts.joined(separator: "/")
        guard path.hasSuffix(".star") else { throw StarlarkError("load: \(module): only .star files can be loaded") }
        // A symbolic link may still point elsewhere: compare real paths.
        let root = project.root.resolvingSymlinksInPath().path
        let real = project.url(path).resolvingSymlinksInPath().path
        guard real.hasPrefix(root + "/") else { throw StarlarkError("load: \(module) is outside the project") }
        return path
    }
}
