/// The methods of Starlark bytes values; starlark-go defines only `elems`.
enum BytesMethods {
    /// Every bytes method by name.
    static let table: [String: MethodBody] = [
        "elems": { _, receiver, arguments in
            _ = try MethodArguments.positional("elems", arguments, min: 0, max: 0)
            guard case .bytes(let bytes) = receiver else {
                throw StarlarkError("bytes method called on \(receiver.typeName)")
            }
            return .object(BytesElems(bytes))
        }
    ]
}
