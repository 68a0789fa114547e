import CDuckDB

/// A fixed-width type stored unboxed in a DuckDB vector, readable through ``PrimitiveColumn``.
public protocol DuckDBPrimitive: BitwiseCopyable {
    /// Whether a column of `type` stores values of this Swift type.
    static func stores(_ type: LogicalType) -> Bool
}

extension Bool: DuckDBPrimitive {
    /// Stored by `BOOLEAN`.
    public static func stores(_ type: LogicalType) -> Bool { type == .boolean }
}

extension Int8: DuckDBPrimitive {
    /// Stored by `TINYINT`.
    public static func stores(_ type: LogicalType) -> Bool { type == .tinyint }
}

extension Int16: DuckDBPrimitive {
    /// Stored by `SMALLINT`.
    public static func stores(_ type: LogicalType) -> Bool { type == .smallint }
}

extension Int32: DuckDBPrimitive {
    /// Stored by `INTEGER`, and `DATE` as days since 1970-01-01.
    public static func stores(_ type: LogicalType) -> Bool { type == .integer || type == .date }
}

extension Int64: DuckDBPrimitive {
    /// Stored by `BIGINT`, and by `TIME`, `TIME_NS` and the timestamp types in their units.
    public static func stores(_ type: LogicalType) -> Bool {
        switch type {
        case .bigint, .time, .timeNS, .timestamp, .timestampTZ: true
        default: false
        }
    }
}

extension Int128: DuckDBPrimitive {
    /// Stored by `HUGEINT`.
    public static func stores(_ type: LogicalType) -> Bool { type == .hugeint }
}

extension UInt8: DuckDBPrimitive {
    /// Stored by `UTINYINT`.
    public static func stores(_ type: LogicalType) -> Bool { type == .utinyint }
}

extension UInt16: DuckDBPrimitive {
    /// Stored by `USMALLINT`.
    public static func stores(_ type: LogicalType) -> Bool { type == .usmallint }
}

extension UInt32: DuckDBPrimitive {
    /// Stored by `UINTEGER`.
    public static func stores(_ type: LogicalType) -> Bool { type == .uinteger }
}

extension UInt64: DuckDBPrimitive {
    /// Stored by `UBIGINT`.
    public static func stores(_ type: LogicalType) -> Bool { type == .ubigint }
}

extension UInt128: DuckDBPrimitive {
    /// Stored by `UHUGEINT`.
    public static func stores(_ type: LogicalType) -> Bool { type == .uhugeint }
}

extension Float: DuckDBPrimitive {
    /// Stored by `FLOAT`.
    public static func stores(_ type: LogicalType) -> Bool { type == .float }
}

extension Double: DuckDBPrimitive {
    /// Stored by `DOUBLE`.
    public static func stores(_ type: LogicalType) -> Bool { type == .double }
}

/// Unboxed, typed access to a fixed-width column, for hot loops.
public struct PrimitiveColumn<Element: DuckDBPrimitive> {
    @usableFromInline let vector: Vector
    /// The raw values, NULL slots included (their contents are unspecified).
    public let values: UnsafeBufferPointer<Element>

    init(vector: Vector) {
        self.vector = vector
        values = UnsafeBufferPointer(
            start: vector.data.map { UnsafePointer($0.assumingMemoryBound(to: Element.self)) }, count: vector.count)
    }

    /// The number of rows.
    public var count: Int { values.count }

    /// Whether row `row` is NULL.
    @inlinable public func isNull(_ row: Int) -> Bool { vector.isNull(row) }

    /// The value at `row`, or `nil` for NULL.
    @inlinable public subscript(row: Int) -> Element? {
        vector.isNull(row) ? nil : values[row]
    }
}

/// Typed access to a VARCHAR or BLOB column, for hot loops.
public struct StringColumn {
    @usableFromInline let vector: Vector

    init(vector: Vector) { self.vector = vector }

    /// The number of rows.
    public var count: Int { vector.count }

    /// Whether row `row` is NULL.
    @inlinable public func isNull(_ row: Int) -> Bool { vector.isNull(row) }

    /// The text at `row`, or `nil` for NULL.
    @inlinable public subscript(row: Int) -> String? {
        vector.isNull(row) ? nil : vector.string(at: row)
    }

    /// Calls `body` with the bytes at `row` without copying them (NULL gives an empty buffer).
    @inlinable public func withBytes<Result>(at row: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result)
        rethrows -> Result
    {
        try body(vector.isNull(row) ? UnsafeBufferPointer(start: nil, count: 0) : vector.bytes(at: row))
    }
}

extension Vector {
    /// Typed access to a fixed-width column.
    /// - Throws: ``DuckDBError`` when the column's type does not store `Element`.
    public func primitives<Element: DuckDBPrimitive>(as element: Element.Type) throws -> PrimitiveColumn<Element> {
        guard Element.stores(type) else {
            throw DuckDBError(message: "a \(type) column cannot be read as \(Element.self)")
        }
        return PrimitiveColumn(vector: self)
    }

    /// Typed access to a VARCHAR or BLOB column.
    /// - Throws: ``DuckDBError`` for other types.
    public func strings() throws -> StringColumn {
        guard type == .varchar || type == .blob else {
            throw DuckDBError(message: "a \(type) column cannot be read as strings")
        }
        return StringColumn(vector: self)
    }
}
