/// Quoting for SQL text built from values and names that come from users.
public enum SQLLiteral {
    /// A string literal: `it's` → `'it''s'`.
    public static func quote(_ text: String) -> String {
        "'" + text.replacingAll("'", with: "''") + "'"
    }

    /// A quoted identifier: `order` → `"order"`, `a"b` → `"a""b"`.
    public static func identifier(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    /// A dotted name with every part quoted: `["lake", "raw", "orders"]` → `"lake"."raw"."orders"`.
    public static func qualified(_ parts: [String]) -> String {
        parts.map(identifier).joined(separator: ".")
    }
}

extension String {
    /// Replaces every occurrence of a single character; enough for quoting, without Foundation.
    func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var output = ""
        output.reserveCapacity(utf8.count + 2)
        for character in self {
            if character == target { output += replacement } else { output.append(character) }
        }
        return output
    }
}
