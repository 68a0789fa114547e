/// The methods of the built-in types, looked up by receiver type and name.
enum MethodTables {
    /// The method `name` of `value`'s type, if there is one.
    static func method(for value: Value, _ name: String) -> MethodBody? {
        table(for: value)?[name]
    }

    /// Every method name of `value`'s type.
    static func names(for value: Value) -> [String] {
        table(for: value).map { Array($0.keys) } ?? []
    }

    /// The built-in types that have methods.
    enum Kind: Equatable {
        case string, bytes, list, dict, set
    }

    /// The kind of `value`, or nil for types without built-in methods.
    @inline(__always)
    static func kind(of value: Value) -> Kind? {
        switch value {
        case .string: .string
        case .bytes: .bytes
        case .list: .list
        case .dict: .dict
        case .set: .set
        default: nil
        }
    }

    private static func table(for value: Value) -> [String: MethodBody]? {
        switch value {
        case .string: StringMethods.table
        case .bytes: BytesMethods.table
        case .list: ListMethods.table
        case .dict: DictMethods.table
        case .set: SetMethods.table
        default: nil
        }
    }
}
