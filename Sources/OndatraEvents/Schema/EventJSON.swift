/// Reads request bodies: one JSON object (`/collect`) or an array of objects (`/collect/…/batch`).
///
/// Strict RFC 8259 JSON, read byte by byte without Foundation: strings must be valid UTF-8 (escaped
/// surrogates must pair), an object's keys must be unique, arrays and objects nest at most 64 deep,
/// and nothing but whitespace may follow the value. A leading UTF-8 byte-order mark is skipped.
/// Numbers are kept as their text (``EventJSONNumber``), so a column type decides how to read them.
/// Errors are ``EventJSONError``: `invalid JSON at byte N: …` with the offset of the offending byte.
public enum EventJSON {
    /// Parses one object.
    public static func parseObject(_ bytes: [UInt8]) throws(EventJSONError) -> EventJSONObject {
        try withBuffer(bytes) { parser throws(EventJSONError) in try parser.objectDocument() }
    }

    /// Parses one object from raw memory (not retained past the call).
    public static func parseObject(_ bytes: UnsafeRawBufferPointer) throws(EventJSONError) -> EventJSONObject {
        var parser = SchemaJSONParser(bytes.bindMemory(to: UInt8.self))
        return try parser.objectDocument()
    }

    /// Parses an array of objects (a batch); `[]` is an empty batch.
    public static func parseBatch(_ bytes: [UInt8]) throws(EventJSONError) -> [EventJSONObject] {
        try withBuffer(bytes) { parser throws(EventJSONError) in try parser.batchDocument() }
    }

    /// Parses an array of objects from raw memory (not retained past the call).
    public static func parseBatch(_ bytes: UnsafeRawBufferPointer) throws(EventJSONError) -> [EventJSONObject] {
        var parser = SchemaJSONParser(bytes.bindMemory(to: UInt8.self))
        return try parser.batchDocument()
    }

    /// Parses any one JSON value.
    public static func parseValue(_ bytes: [UInt8]) throws(EventJSONError) -> EventJSONValue {
        try withBuffer(bytes) { parser throws(EventJSONError) in try parser.document() }
    }

    /// Runs `body` with a parser over `bytes`.
    private static func withBuffer<T>(
        _ bytes: [UInt8], _ body: (inout SchemaJSONParser) throws(EventJSONError) -> T
    ) throws(EventJSONError) -> T {
        // withUnsafeBufferPointer rethrows untyped errors, so the typed error travels in a Result.
        let result: Result<T, EventJSONError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = SchemaJSONParser(buffer)
            do throws(EventJSONError) {
                return .success(try body(&parser))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
