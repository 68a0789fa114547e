/// A parsed JSON value (``EventJSON``). Numbers keep their text; strings are unescaped UTF-8.
public enum EventJSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, as written.
    case number(EventJSONNumber)
    /// A string, unescaped.
    case string(String)
    /// An array.
    case array([EventJSONValue])
    /// An object.
    case object(EventJSONObject)

    /// The JSON type's name, for messages: `null`, `boolean`, `number`, `string`, `array`, `object`.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
