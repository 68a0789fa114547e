/// A JSON object: its members in the order they were written, keys unique.
public struct EventJSONObject: Sendable, Equatable {
    /// The members, in request order.
    public let members: [EventJSONMember]

    /// Creates an object. The parser guarantees unique keys; a hand-built object should too (the
    /// validator rejects a key given twice rather than pick one).
    public init(members: [EventJSONMember]) { self.members = members }

    /// Creates an object from `(key, value)` pairs, in order.
    public init(_ pairs: KeyValuePairs<String, EventJSONValue>) {
        self.members = pairs.map { EventJSONMember(key: $0.key, value: $0.value) }
    }

    /// The number of members.
    public var count: Int { members.count }

    /// The value for `key`, or nil when there is no such member (a JSON `null` is `.null`).
    public subscript(key: String) -> EventJSONValue? {
        members.first(where: { $0.key == key })?.value
    }
}
