import CDuckDB

/// A batch of up to 2,048 rows in DuckDB's columnar layout, read from a result or built for the
/// ``Appender``.
public final class DataChunk {
    let handle: duckdb_data_chunk
    /// The type of each column.
    public let types: [LogicalType]

    init(owning handle: duckdb_data_chunk, types: [LogicalType]) {
        self.handle = handle
        self.types = types
    }

    deinit {
        var owned: duckdb_data_chunk? = handle
        duckdb_destroy_data_chunk(&owned)
    }

    /// The number of rows; set it after writing rows into a chunk made for appending.
    public var count: Int {
        get { Int(duckdb_data_chunk_get_size(handle)) }
        set { duckdb_data_chunk_set_size(handle, idx_t(newValue)) }
    }

    /// The number of columns.
    public var columnCount: Int { types.count }

    /// The rows a chunk can hold (DuckDB's vector size, 2,048).
    public static var capacity: Int { Int(duckdb_vector_size()) }

    /// The column at `index`, for reading (and, in chunks made for appending, writing).
    public func column(_ index: Int) -> Vector {
        precondition(index >= 0 && index < types.count, "column \(index) out of range 0..<\(types.count)")
        return Vector(
            handle: duckdb_data_chunk_get_vector(handle, idx_t(index)), type: types[index], count: count, owner: self)
    }
}
