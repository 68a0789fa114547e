import Ondatra

/// One model of a differential project: its target, kind, key and SQL, written as a real model
/// file, and a few words on the shape it stands for (shown in failures).
struct ModelShape: Sendable {
    /// The model's target, `schema.table`.
    let target: Target
    /// How the runner materializes it, and so how the oracle computes what it must hold.
    let kind: ModelKind
    /// `@unique_key` columns (empty for table and append).
    let key: [String]
    /// The shape in a few words, e.g. "aggregate GROUP BY key over a tracked source".
    let shape: String
    /// The model's SELECT.
    let sql: String
    /// The file a source model reads; nil for models over other models.
    let source: SourceTable?

    init(
        _ target: String, _ kind: ModelKind, key: [String] = [], _ shape: String, _ sql: String,
        source: SourceTable? = nil
    ) {
        guard let parsed = Target(parsing: target) else { preconditionFailure("bad target \(target)") }
        self.target = parsed
        self.kind = kind
        self.key = key
        self.shape = shape
        self.sql = sql
        self.source = source
    }

    /// Whether the SQL names `other` (as `schema.table`, not as part of a longer name).
    func reads(_ other: Target) -> Bool {
        let text = Array(sql.lowercased().utf8)
        let name = Array(other.description.lowercased().utf8)
        func isNamePart(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || (byte >= 0x30 && byte <= 0x39)
                || (byte >= 0x61 && byte <= 0x7A)
        }
        guard text.count >= name.count else { return false }
        for start in 0...(text.count - name.count) where text[start..<(start + name.count)].elementsEqual(name) {
            let before = start == 0 ? nil : text[start - 1]
            let after = start + name.count == text.count ? nil : text[start + name.count]
            if !(before.map(isNamePart) ?? false) && !(after.map(isNamePart) ?? false) { return true }
        }
        return false
    }

    /// The model file's path in the project.
    var file: String { "models/\(target.schema)/\(target.table).sql" }

    /// The model file: the shape as a comment, the directives, the SQL.
    var text: String {
        var header = "-- \(shape)\n-- @kind: \(kind.rawValue)\n"
        if !key.isEmpty { header += "-- @unique_key: \(key.joined(separator: ", "))\n" }
        return header + sql + "\n"
    }
}
