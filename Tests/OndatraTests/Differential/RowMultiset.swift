import DuckDB

/// One row as the oracle compares it: each cell as DuckDB renders it, nil for NULL (so NULL equals
/// NULL, and the text 'NULL' is not NULL).
struct Row: Hashable, Comparable, CustomStringConvertible {
    /// The cells, in column order.
    var cells: [String?]

    init(_ cells: [String?]) { self.cells = cells }

    init(_ values: [Value]) { cells = values.map { $0.isNull ? nil : $0.description } }

    /// The cells at `indices`, e.g. a row's key.
    func project(_ indices: [Int]) -> Row { Row(indices.map { cells[$0] }) }

    var description: String {
        "(" + cells.map { $0.map { "'\($0)'" } ?? "NULL" }.joined(separator: ", ") + ")"
    }

    /// NULL first, then by text: only to print rows in a stable order.
    static func < (lhs: Row, rhs: Row) -> Bool {
        for (left, right) in zip(lhs.cells, rhs.cells) where left != right {
            guard let left else { return true }
            guard let right else { return false }
            return left < right
        }
        return lhs.cells.count < rhs.cells.count
    }
}

/// Rows with their multiplicities: a table's contents as SQL compares them with `EXCEPT ALL`.
struct RowMultiset: Equatable {
    private(set) var counts: [Row: Int] = [:]

    init() {}

    init<Rows: Sequence>(_ rows: Rows) where Rows.Element == Row {
        for row in rows { counts[row, default: 0] += 1 }
    }

    /// The number of rows, repeats counted.
    var count: Int { counts.values.reduce(0, +) }

    /// Every row, repeats included, in a stable order.
    var rows: [Row] { counts.keys.sorted().flatMap { Array(repeating: $0, count: counts[$0] ?? 0) } }

    /// `self EXCEPT ALL other`: each row as many times as it is here more often than there.
    func subtracting(_ other: RowMultiset) -> RowMultiset {
        var result = RowMultiset()
        for (row, count) in counts {
            let left = count - (other.counts[row] ?? 0)
            if left > 0 { result.counts[row] = left }
        }
        return result
    }

    /// `self UNION ALL other`.
    func adding(_ other: RowMultiset) -> RowMultiset {
        var result = self
        for (row, count) in other.counts { result.counts[row, default: 0] += count }
        return result
    }
}
