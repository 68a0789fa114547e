import Foundation

/// One `@column: name = description | tag | tag` line: a catalog comment for the column and, when
/// a tag says so, the masking macro its values go through before anything is written.
///
/// Tags named `mask*`, `hash*` or `redact` name a masking macro: `mask`, `mask_email`, `mask_ssn`,
/// `hash_pii` and `redact` are built in (``MaskingMacros``), `hash` means `hash_pii` (DuckDB's own
/// `hash()` is a 64-bit checksum, not a digest), and a project's macro whose name starts with
/// `mask_` or `hash_` (`config/macros/*.sql`) is used when a tag names it. Other tags (`pii`,
/// `finance`) only label the column, as in dbt.
public struct ColumnNote: Sendable, Hashable {
    /// The column, as written.
    public let column: String
    /// The comment text; empty when the line gives only tags.
    public let description: String
    /// The masking macro the tags name, nil when there is none.
    public let mask: String?
    /// Every tag, as written.
    public let tags: [String]
    /// The header line.
    public let line: Int

    /// The tags known without looking at the project's macros.
    static let builtinTags = ["mask", "mask_email", "mask_ssn", "hash", "hash_pii", "redact"]

    /// The masking tags, for an error about a tag.
    static let knownTagsText =
        builtinTags.joined(separator: ", ") + ", or a macro named mask_… or hash_… in config/macros"

    /// Parses the value of an `@column` line.
    /// - Throws: ``OndatraError`` naming the file and line when the line is malformed, a tag is
    ///   not a name, or two tags mask the column.
    static func parse(_ value: String, line: Int, path: String) throws -> ColumnNote {
        // The name as SQL writes it: `email`, or `"E-mail Address"` for one with spaces or symbols.
        let written = value.prefix { $0 != "=" }.trimmingCharacters(in: .whitespaces)
        let names = ModelParser.columnNames(written)
        guard value.contains("="), names.count == 1, let column = names.first?.name else {
            throw OndatraError(
                .project,
                "@column is written `column = description | tag | tag` (a name with spaces or symbols in double quotes: \"Order ID\" = …)",
                file: path, line: line)
        }
        let parts = value.drop { $0 != "=" }.dropFirst().split(separator: "|", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var mask: String?
        let tags = parts.dropFirst().filter { !$0.isEmpty }
        for tag in tags {
            guard ModelParser.isPlainIdentifier(tag) else {
                throw OndatraError(
                    .project,
                    "@column \(column): '\(tag)' is not a tag (a tag is a name: pii, or a masking tag: \(knownTagsText))",
                    file: path, line: line)
            }
            guard let macro = macro(forTag: tag) else { continue }
            if let mask, mask != macro {
                throw OndatraError(
                    .project, "@column \(column): one masking tag per column, not \(mask) and \(macro)", file: path,
                    line: line)
            }
            mask = macro
        }
        return ColumnNote(column: column, description: parts.first ?? "", mask: mask, tags: Array(tags), line: line)
    }

    /// The macro a tag names, or nil when the tag is not a masking tag.
    static func macro(forTag tag: String) -> String? {
        let name = tag.lowercased()
        guard ModelParser.isPlainIdentifier(name) else { return nil }
        if name == "hash" { return "hash_pii" }
        if name == "mask" || name == "redact" || name.hasPrefix("mask_") || name.hasPrefix("hash_") { return name }
        return nil
    }
}
