/// A Starlark list: mutable until frozen; mutation during iteration is an error.
public final class StarlarkList: @unchecked Sendable {
    /// The elements. Mutate through ``checkMutable(_:)`` first.
    public var elements: [Value]
    /// Whether the list is frozen (immutable forever).
    public private(set) var isFrozen = false
    /// How many iterations over this list are running.
    var activeIterations = 0

    /// Creates a list.
    public init(_ elements: [Value] = []) { self.elements = elements }

    /// Throws unless the list may be changed now; `operation` names the change in the message.
    @inline(__always)
    public func checkMutable(_ operation: String) throws {
        if isFrozen { throw StarlarkError("cannot \(operation) frozen list") }
        if activeIterations > 0 { throw StarlarkError("cannot \(operation) list during iteration") }
    }

    /// Freezes the list and its elements.
    public func freeze() {
        guard !isFrozen else { return }
        isFrozen = true
        for element in elements { element.freeze() }
    }
}

/// A Starlark dict: keys in insertion order, hashed by Starlark's rules.
public final class StarlarkDict: @unchecked Sendable {
    var table = HashTable()
    /// Whether the dict is frozen.
    public private(set) var isFrozen = false
    var activeIterations = 0

    /// Creates an empty dict.
    public init() {}

    /// The number of entries.
    public var count: Int { table.count }
    /// The keys in insertion order.
    public var keys: [Value] { table.keys }
    /// The entries in insertion order.
    public var entries: [(key: Value, value: Value)] { table.entries }

    /// The value for `key`, or nil; throws for unhashable keys.
    public func get(_ key: Value) throws -> Value? { try table.get(key) }

    /// Sets `key` to `value`.
    public func set(_ key: Value, _ value: Value) throws {
        try checkMutable("insert into")
        try table.set(key, value)
    }

    /// Removes `key`, returning its value.
    @discardableResult
    public func remove(_ key: Value) throws -> Value? {
        try checkMutable("delete from")
        return try table.remove(key)
    }

    /// Removes every entry.
    public func removeAll() throws {
        if isFrozen { throw StarlarkError("cannot clear frozen hash table") }
        if activeIterations > 0 { throw StarlarkError("cannot clear hash table during iteration") }
        table = HashTable()
    }

    func checkMutable(_ operation: String) throws {
        try HashTable.checkMutable(operation, isFrozen: isFrozen, activeIterations: activeIterations)
    }

    /// Freezes the dict, its keys and values.
    public func freeze() {
        guard !isFrozen else { return }
        isFrozen = true
        for (key, value) in table.entries {
            key.freeze()
            value.freeze()
        }
    }
}

/// A Starlark set (a dialect option): elements in insertion order.
public final class StarlarkSet: @unchecked Sendable {
    var table = HashTable()
    /// Whether the set is frozen.
    public private(set) var isFrozen = false
    var activeIterations = 0

    /// Creates an empty set.
    public init() {}

    /// The number of elements.
    public var count: Int { table.count }
    /// The elements in insertion order.
    public var elements: [Value] { table.keys }

    /// Whether `value` is in the set; throws for unhashable values.
    public func contains(_ value: Value) throws -> Bool { try table.get(value) != nil }

    /// Adds `value`.
    public func insert(_ value: Value) throws {
        try checkMutable("insert into")
        try table.set(value, .none)
    }

    /// Removes `value`; returns whether it was there.
    @discardableResult
    public func remove(_ value: Value) throws -> Bool {
        try checkMutable("delete from")
        return try table.remove(value) != nil
    }

    func checkMutable(_ operation: String) throws {
        try HashTable.checkMutable(operation, isFrozen: isFrozen, activeIterations: activeIterations)
    }

    /// Freezes the set.
    public func freeze() {
        guard !isFrozen else { return }
        isFrozen = true
    }
}

/// `range(start, stop, step)`: an immutable sequence of ints.
public final class StarlarkRange: Sendable {
    /// The first value.
    public let start: Int
    /// The first value not included.
    public let stop: Int
    /// The difference between successive values.
    public let step: Int

    /// Creates a range; `step` must not be 0.
    public init(start: Int, stop: Int, step: Int) {
        self.start = start
        self.stop = stop
        self.step = step
    }

    /// The number of elements.
    public var count: Int {
        if step > 0 {
            return start < stop ? Int((Int128(stop) - Int128(start) - 1) / Int128(step) + 1) : 0
        }
        return start > stop ? Int((Int128(start) - Int128(stop) - 1) / Int128(-step) + 1) : 0
    }

    /// The element at `index` (0 ≤ index < count).
    public func element(_ index: Int) -> Int { start &+ index &* step }
}

/// An insertion-ordered hash table from Starlark values, shared by dict and set.
///
/// Entries live in insertion order in parallel arrays; an open-addressing index (linear probing
/// over a power-of-two table) maps hashes to entry positions. Removed entries leave a hole that
/// is compacted away once holes outnumber live entries.
struct HashTable {
    private var storedKeys: [Value?] = []
    private var storedValues: [Value] = []
    private var hashes: [Int] = []
    /// Entry position + 1 per slot; 0 marks an empty slot.
    private var index: [Int32] = []
    private(set) var count = 0

    /// The error dicts and sets (both hash tables to the user) raise for a forbidden change.
    static func checkMutable(_ operation: String, isFrozen: Bool, activeIterations: Int) throws {
        if isFrozen { throw StarlarkError("cannot \(operation) frozen hash table") }
        if activeIterations > 0 { throw StarlarkError("cannot \(operation) hash table during iteration") }
    }

    var keys: [Value] { storedKeys.compactMap { $0 } }
    var entries: [(key: Value, value: Value)] {
        var result: [(key: Value, value: Value)] = []
        result.reserveCapacity(count)
        for (position, key) in storedKeys.enumerated() {
            if let key { result.append((key, storedValues[position])) }
        }
        return result
    }

    /// The entry position holding `key`, and the slot where it is (or would go).
    private func find(_ key: Value, hash: Int) throws -> (position: Int?, slot: Int) {
        guard !index.isEmpty else { return (nil, 0) }
        let mask = index.count - 1
        var slot = Self.scramble(hash) & mask
        while true {
            let stored = Int(index[slot])
            if stored == 0 { return (nil, slot) }
            let position = stored - 1
            if hashes[position] == hash, let candidate = storedKeys[position], try Self.sameKey(candidate, key) {
                return (position, slot)
            }
            slot = (slot + 1) & mask
        }
    }

    /// Key equality with fast paths for the common key types.
    @inline(__always)
    private static func sameKey(_ a: Value, _ b: Value) throws -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y
        case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
        default: return try a.equals(b)
        }
    }

    @inline(__always)
    private static func scramble(_ hash: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: Int64(hash)) &* 0x9E37_79B9_7F4A_7C15) >> 16)
    }

    func get(_ key: Value) throws -> Value? {
        let hash = try key.hash()
        guard let position = try find(key, hash: hash).position else { return nil }
        return storedValues[position]
    }

    mutating func set(_ key: Value, _ value: Value) throws {
        let hash = try key.hash()
        let (found, slot) = try find(key, hash: hash)
        if let found {
            storedValues[found] = value
            return
        }
        // Keep the table at most half full so probes stay short.
        if (storedKeys.count + 1) * 2 > index.count {
            rebuildIndex(capacity: max(8, (count + 1) * 4))
            try set(key, value)
            return
        }
        storedKeys.append(key)
        storedValues.append(value)
        hashes.append(hash)
        index[slot] = Int32(storedKeys.count)
        count += 1
    }

    mutating func remove(_ key: Value) throws -> Value? {
        let hash = try key.hash()
        guard let position = try find(key, hash: hash).position else { return nil }
        let value = storedValues[position]
        storedKeys[position] = nil
        storedValues[position] = .none
        count -= 1
        // The index keeps pointing at the hole (probing skips it); compact when holes dominate.
        if storedKeys.count > 16 && count * 2 < storedKeys.count {
            rebuildIndex(capacity: max(8, count * 4))
        }
        return value
    }

    /// Rebuilds the index for the current entries (holes excluded from the probe chains).
    private mutating func rebuildIndex(capacity: Int) {
        var size = 8
        while size < capacity { size <<= 1 }
        if storedKeys.count != count {
            compactWithoutIndex()
        }
        index = [Int32](repeating: 0, count: size)
        let mask = size - 1
        for position in storedKeys.indices {
            var slot = Self.scramble(hashes[position]) & mask
            while index[slot] != 0 { slot = (slot + 1) & mask }
            index[slot] = Int32(position + 1)
        }
    }

    private mutating func compactWithoutIndex() {
        var keys: [Value?] = []
        var values: [Value] = []
        var newHashes: [Int] = []
        for position in storedKeys.indices where storedKeys[position] != nil {
            keys.append(storedKeys[position])
            values.append(storedValues[position])
            newHashes.append(hashes[position])
        }
        storedKeys = keys
        storedValues = values
        hashes = newHashes
    }

    /// Replaces every value, in insertion order (`values` has one per entry; no entry was removed).
    mutating func replaceValues(_ values: [Value]) {
        precondition(values.count == count && storedKeys.count == count, "one value per entry")
        storedValues = values
    }

    /// The first live entry in insertion order (for `popitem`).
    func first() -> (key: Value, value: Value)? {
        for (position, key) in storedKeys.enumerated() {
            if let key { return (key, storedValues[position]) }
        }
        return nil
    }
}
