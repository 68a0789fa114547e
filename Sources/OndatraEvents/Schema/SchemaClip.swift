/// Shortens values shown in messages.
enum SchemaClip {
    /// The longest text shown before it is cut with `…`.
    static let limit = 60

    /// `text` cut to ``limit`` characters, with `…` when cut.
    static func text(_ text: String) -> String {
        guard text.utf8.count > limit else { return text }
        var clipped = ""
        for (count, character) in text.enumerated() {
            if count == limit { return clipped + "…" }
            clipped.append(character)
        }
        return clipped
    }

    /// A value's compact JSON text, cut to ``limit`` characters.
    static func value(_ value: EventJSONValue) -> String {
        var out: [UInt8] = []
        SchemaJSONWriter.append(value, to: &out, limit: limit * 4 + 4)
        return text(String(decoding: out, as: UTF8.self))
    }
}
