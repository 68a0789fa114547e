import DuckDB

/// The `partition` kind: the `@unique_key` columns name a partition. An incremental run replaces
/// every partition touched since the model's last run with all of that partition's current rows,
/// so the table always equals the source. The materializer leaves in the result only the rows of
/// touched partitions, and their keys in ``touched``.
enum PartitionWriter {
    static let touched = WriteContext.scratch("touched")

    static func write(_ context: WriteContext) throws -> Int64 {
        try context.session.execute(
            "DELETE FROM \(context.target) t WHERE EXISTS (SELECT 1 FROM \(touched) p WHERE \(context.keyMatch("t", "p")))"
        )
        return Int64(
            try context.session.execute("INSERT INTO \(context.target) BY NAME SELECT * FROM \(context.result)"))
    }
}
