/// A named collection of values reached with `.`: the `json`, `math` and `time` modules, or a
/// module a host makes for its own builtins.
public final class StarlarkModuleValue: StarlarkAttributes, @unchecked Sendable {
    /// The module's name, as `str(x)` shows it.
    public let name: String
    /// The members, by name.
    public let members: [String: Value]
    private var frozen = false

    /// Creates a module.
    public init(name: String, members: [String: Value]) {
        self.name = name
        self.members = members
    }

    /// `module`.
    public var typeName: String { "module" }
    /// `<module "name">`.
    public var description: String { "<module \"\(name)\">" }

    /// Freezes the members.
    public func freeze() {
        guard !frozen else { return }
        frozen = true
        for member in members.values { member.freeze() }
    }

    /// A member, or nil.
    public func attribute(_ name: String) throws -> Value? { members[name] }
    /// The member names.
    public var attributeNames: [String] { members.keys.sorted() }

    /// A module made of builtins: `StarlarkModuleValue.builtins("math", ["sqrt": { … }])`.
    public static func builtins(_ name: String, _ functions: [String: Builtin.Body], constants: [String: Value] = [:])
        -> StarlarkModuleValue
    {
        var members = constants
        for (member, body) in functions { members[member] = .builtin(Builtin("\(name).\(member)", body)) }
        return StarlarkModuleValue(name: name, members: members)
    }
}
