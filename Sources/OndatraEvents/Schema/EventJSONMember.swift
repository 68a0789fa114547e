/// One `"key": value` pair of a JSON object.
public struct EventJSONMember: Sendable, Equatable {
    /// The key, unescaped.
    public let key: String
    /// The value.
    public let value: EventJSONValue

    /// Creates a member.
    public init(key: String, value: EventJSONValue) {
        self.key = key
        self.value = value
    }
}
