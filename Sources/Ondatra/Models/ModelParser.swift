import Foundation

/// Reads model files: maps paths to targets, parses header directives, checks the body.
public enum ModelParser {
    /// The target a model path maps to: `models/orders.sql` → `main.orders`,
    /// `models/staging/orders.sql` → `staging.orders`, `models/raw/api/orders.sql` → `raw.api__orders`.
    /// - Throws: ``OndatraError`` naming the path when a segment is not a plain identifier.
    public static func target(forPath path: String) throws -> Target {
        var segments = path.split(separator: "/").map(String.init)
        guard segments.first == "models", segments.count >= 2, let file = segments.popLast() else {
            throw OndatraError(.project, "a model must be under models/", file: path)
        }
        segments.removeFirst()
        let name = file.lowercased().hasSuffix(".sql") ? String(file.dropLast(4)) : String(file.dropLast(5))
        for segment in segments + [name] where !isPlainIdentifier(segment) || segment.contains("__") {
            throw OndatraError(
                .project,
                "'\(segment)' cannot be part of a target name: use letters, digits and _ (not starting with a digit, no __)",
                file: path)
        }
        guard let schema = segments.first else { return Target(schema: "main", table: name) }
        return Target(schema: schema, table: (segments.dropFirst() + [name]).joined(separator: "__"))
    }

    /// The column names of a comma list: plain identifiers, or double-quoted ones as SQL writes
    /// them (`"Order ID"`, `"say ""hi"""`); each item as written, with its name or nil when it
    /// is neither.
    static func columnNames(_ text: String) -> [(written: String, name: String?)] {
        var items: [(written: String, name: String?)] = []
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            let start = rest
            var name: String?
            if rest.first == "\"" {
                var unquoted = ""
                var index = rest.index(after: rest.startIndex)
                var closed = false
                while index < rest.endIndex {
                    if rest[index] == "\"" {
                        let next = rest.index(after: index)
                        if next < rest.endIndex, rest[next] == "\"" {
                            unquoted.append("\"")
                            index = rest.index(after: next)
                            continue
                        }
                        closed = true
                        index = next
                        break
                    }
                    unquoted.append(rest[index])
                    index = rest.index(after: index)
                }
                rest = rest[index...].drop { $0 == " " || $0 == "\t" }
                name = closed && !unquoted.isEmpty && (rest.isEmpty || rest.first == ",") ? unquoted : nil
                if name == nil { rest = rest.drop { $0 != "," } }
            } else {
                let item = rest.prefix { $0 != "," }
                rest = rest.dropFirst(item.count)
                let trimmed = item.trimmingCharacters(in: .whitespaces)
                name = isPlainIdentifier(trimmed) ? trimmed : nil
            }
            let written = start[..<rest.startIndex].trimmingCharacters(in: .whitespaces)
            items.append((written, name))
            guard rest.first == "," else { break }
            rest = rest.dropFirst()
        }
        return items
    }

    static func isPlainIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else {
            return false
        }
        return text.unicodeScalars.allSatisfy {
            $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
        }
    }

    /// Parses one model file's text. Lines may end in `\n`, `\r\n` or `\r`; the body keeps `\n`.
    /// - Throws: ``OndatraError`` with the file and line for every header or body problem.
    public static func parse(path: String, text: String) throws -> Model {
        let language: Model.Language = path.lowercased().hasSuffix(".star") ? .starlark : .sql
        let marker = language == .sql ? "--" : "#"
        // A byte-order mark (Windows editors write one) would hide the first directive.
        let unmarked = text.hasPrefix("\u{FEFF}") ? String(text.unicodeScalars.dropFirst()) : text
        let lines = LineEndings.normalized(unmarked).split(separator: "\n", omittingEmptySubsequences: false)
        var directives = Directives()
        var seen: [String: Int] = [:]
        var bodyStart = lines.count
        for (index, rawLine) in lines.enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            guard line.hasPrefix(marker) else {
                bodyStart = index
                break
            }
            let comment = line.dropFirst(marker.count).trimmingCharacters(in: .whitespaces)
            guard comment.hasPrefix("@") else { continue }
            try parseDirective(comment, line: index + 1, path: path, into: &directives, seen: &seen)
        }
        try checkKindRules(directives, seen: seen, path: path)
        // An events model's mistakes fail that model only: the collector keeps taking the others'.
        let eventsProblem = directives.kind == .events ? eventsDirectiveProblem(seen: seen, path: path) : nil
        let bodyLines = lines[bodyStart...]
        let body = bodyLines.joined(separator: "\n")
        let target = try Self.target(forPath: path)
        if language == .starlark || directives.kind == .events {
            return Model(
                path: path, target: target, language: language, directives: directives, body: body,
                bodyLine: bodyStart + 1, problem: eventsProblem)
        }
        let statements = SQLStatementSplitter.split(body)
        guard let statement = statements.first else {
            throw OndatraError(
                .project, "the model has no SQL statement after its header", file: path,
                line: min(bodyStart + 1, max(lines.count, 1)))
        }
        guard statements.count == 1 else {
            throw OndatraError(
                .project, "a model is exactly one SQL statement; another one starts here", file: path,
                line: bodyStart + statements[1].line)
        }
        return Model(
            path: path, target: target, language: language, directives: directives, body: statement.text,
            bodyLine: bodyStart + statement.line)
    }

    private static func parseDirective(
        _ comment: String, line: Int, path: String, into directives: inout Directives, seen: inout [String: Int]
    ) throws {
        let afterAt = comment.dropFirst()
        let name = String(afterAt.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
        guard Directives.known.contains(name) else {
            throw OndatraError(
                .project,
                "unknown directive @\(name) (known: \(Directives.known.map { "@" + $0 }.joined(separator: ", ")))",
                file: path, line: line)
        }
        let rest = afterAt.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        guard rest.hasPrefix(":") else {
            throw OndatraError(.project, "@\(name) needs a value, written `@\(name): value`", file: path, line: line)
        }
        let value = rest.dropFirst().trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else {
            throw OndatraError(.project, "@\(name) has an empty value", file: path, line: line)
        }
        let repeatable: Set<String> = ["constraint", "audit", "warning", "column", "extension"]
        let canonical = name == "group_key" ? "unique_key" : name == "push" ? "sink" : name
        if !repeatable.contains(canonical), let first = seen[canonical] {
            throw OndatraError(.project, "@\(name) is given twice (first on line \(first))", file: path, line: line)
        }
        seen[canonical] = line
        func list(_ text: String) throws -> [String] {
            try columnNames(text).map { item in
                guard let column = item.name else {
                    throw OndatraError(
                        .project,
                        "@\(name): '\(item.written)' is not a column name (write id, or \"Order ID\" for a name with spaces or symbols)",
                        file: path, line: line)
                }
                return column
            }
        }
        switch canonical {
        case "kind":
            // `@kind: MERGE` is what a SQL user types as readily as `merge`.
            guard let kind = ModelKind(rawValue: value.lowercased()) else {
                throw OndatraError(
                    .project,
                    "unknown kind '\(value)' (allowed: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")))",
                    file: path, line: line)
            }
            directives.kind = kind
        case "unique_key": directives.uniqueKey = try list(value)
        case "sink":
            let function = value.prefix { $0 != "(" }
            guard isPlainIdentifier(String(function)), value == function || value.hasSuffix(")") else {
                throw OndatraError(
                    .project, "@\(name) names a lib function, optionally with arguments: name or name('a', 2)",
                    file: path, line: line)
            }
            directives.sink = value
        case "incremental": directives.incremental = try list(value).first
        case "incremental_initial": directives.incrementalInitial = value
        case "constraint", "audit", "warning":
            guard value.contains("("), value.hasSuffix(")") else {
                throw OndatraError(.project, "@\(name) is a macro call, e.g. not_null(id)", file: path, line: line)
            }
            let check = Directives.Check(call: value, line: line)
            if canonical == "constraint" { directives.constraints.append(check) }
            if canonical == "audit" { directives.audits.append(check) }
            if canonical == "warning" { directives.warnings.append(check) }
        case "description": directives.description = value
        case "column":
            let note = try ColumnNote.parse(value, line: line, path: path)
            if let first = directives.columns.first(where: { $0.column.lowercased() == note.column.lowercased() }) {
                throw OndatraError(
                    .project, "@column \(note.column) is given twice (first on line \(first.line))", file: path,
                    line: line)
            }
            directives.columns.append(note)
        case "partitioned_by": directives.partitionedBy = try list(value)
        case "sorted_by": directives.sortedBy = try list(value)
        default:
            for name in value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard isPlainIdentifier(name) else {
                    throw OndatraError(
                        .project, "@extension: '\(name)' is not an extension name (letters, digits and _)",
                        file: path, line: line)
                }
                directives.extensions.append(.init(name: name, line: line))
            }
        }
        directives.lines[canonical] = line
    }

    private static func checkKindRules(_ directives: Directives, seen: [String: Int], path: String) throws {
        if directives.kind.requiresUniqueKey && directives.uniqueKey.isEmpty {
            throw OndatraError(
                .project,
                "@kind: \(directives.kind.rawValue) needs @unique_key (the column or columns that identify a row)",
                file: path, line: seen["kind"])
        }
        // Rows are matched by their keys and cursor: a masked one could not be matched.
        let matched = Set((directives.uniqueKey + [directives.incremental].compactMap { $0 }).map { $0.lowercased() })
        if let note = directives.columns.first(where: { $0.mask != nil && matched.contains($0.column.lowercased()) }) {
            throw OndatraError(
                .project,
                "@column \(note.column): a key or cursor column is never masked (rows are matched by it); remove its masking tag",
                file: path, line: note.line)
        }
    }

    /// The first directive an events model does not take, as an error naming its line.
    private static func eventsDirectiveProblem(seen: [String: Int], path: String) -> OndatraError? {
        let extra = seen.filter { $0.key != "kind" && $0.key != "description" }.min { $0.value < $1.value }
        return extra.map { name, line in
            let hint =
                name == "sink" || name == "push"
                ? "; an events model collects and cannot push: put @\(name) on a model that reads from it" : ""
            return OndatraError(
                .project, "an events model allows only @description, not @\(name)\(hint)", file: path, line: line)
        }
    }
}
