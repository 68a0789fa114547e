import DuckDB
import Ondatra

/// How `sql` prints a result.
enum ResultFormat: String, CaseIterable, Sendable {
    case table, csv, json, markdown

    /// Streams `result` in this format, chunk by chunk (the table format keeps only the rows it shows).
    func write(_ result: QueryResult, to output: StandardOutput) throws {
        switch self {
        case .csv: try CSVWriter.write(result, to: output)
        case .json: try JSONRowsWriter.write(result, to: output)
        case .markdown: try MarkdownWriter.write(result, to: output)
        case .table: try TableWriter.write(result, to: output)
        }
    }
}

/// RFC 4180 CSV: a header line, fields quoted when they hold a comma, quote or line break; NULL is empty.
enum CSVWriter {
    static func write(_ result: QueryResult, to output: StandardOutput) throws {
        output.write(result.columnNames.map(field).joined(separator: ",") + "\n")
        try result.forEachChunk { chunk in
            let columns = (0..<chunk.columnCount).map(chunk.column)
            var text = ""
            for row in 0..<chunk.count {
                for (index, column) in columns.enumerated() {
                    if index > 0 { text += "," }
                    let value = column.value(at: row)
                    if !value.isNull { text += field(value.description) }
                }
                text += "\n"
            }
            output.write(text)
        }
    }

    static func field(_ text: String) -> String {
        // By scalar: `"\r\n"` is one Character, equal to neither `"\n"` nor `"\r"`.
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A JSON array with one object per row, keys in column order.
enum JSONRowsWriter {
    static func write(_ result: QueryResult, to output: StandardOutput) throws {
        let names = result.columnNames
        var first = true
        output.write("[")
        try result.forEachChunk { chunk in
            let columns = (0..<chunk.columnCount).map(chunk.column)
            var text = ""
            for row in 0..<chunk.count {
                text += first ? "\n" : ",\n"
                first = false
                Value.appendObject(zip(names, columns).map { ($0.0, $0.1.value(at: row)) }, to: &text)
            }
            output.write(text)
        }
        output.write(first ? "]\n" : "\n]\n")
    }
}

/// A GitHub-flavoured Markdown table.
enum MarkdownWriter {
    static func write(_ result: QueryResult, to output: StandardOutput) throws {
        output.write("| " + result.columnNames.map(cell).joined(separator: " | ") + " |\n")
        output.write("|" + result.columnTypes.map { isNumeric($0) ? " ---: |" : " --- |" }.joined() + "\n")
        try result.forEachChunk { chunk in
            let columns = (0..<chunk.columnCount).map(chunk.column)
            var text = ""
            for row in 0..<chunk.count {
                text += "| " + columns.map { cell($0.value(at: row).description) }.joined(separator: " | ") + " |\n"
            }
            output.write(text)
        }
    }

    static func cell(_ text: String) -> String {
        LineEndings.normalized(text).replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(
            of: "\n", with: " ")
    }
}

/// A boxed table with names and types, like DuckDB's shell; long results show their first and
/// last rows and the total.
enum TableWriter {
    static let headRows = 20
    static let tailRows = 20

    static func write(_ result: QueryResult, to output: StandardOutput) throws {
        var head: [[String]] = []
        var tail: [[String]] = []
        var total = 0
        try result.forEachChunk { chunk in
            let columns = (0..<chunk.columnCount).map(chunk.column)
            for row in 0..<chunk.count {
                total += 1
                let rendered = columns.map { render($0.value(at: row)) }
                if head.count < headRows {
                    head.append(rendered)
                } else {
                    tail.append(rendered)
                    if tail.count > tailRows { tail.removeFirst() }
                }
            }
        }
        let header = result.columnNames
        let types = result.columnTypes.map { $0.description.lowercased() }
        let shown = head + tail
        let numeric = result.columnTypes.map(isNumeric)
        var widths = zip(header, types).map { max($0.0.count, $0.1.count) }
        for row in shown {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        // On a terminal, the box fits its width: the widest columns give way, their cells cut with `…`.
        if let width = output.width { widths = fitted(widths, into: width - 3 * widths.count - 1) }
        func line(_ left: String, _ middle: String, _ right: String) -> String {
            left + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: middle) + right + "\n"
        }
        func row(_ cells: [String], rightAlign: [Bool]) -> String {
            "│"
                + cells.enumerated().map { index, full in
                    let cell = truncated(full, to: widths[index])
                    let padding = String(repeating: " ", count: widths[index] - cell.count)
                    return " " + (rightAlign[index] ? padding + cell : cell + padding) + " "
                }.joined(separator: "│") + "│\n"
        }
        let centered = header.map { _ in false }
        var text = line("┌", "┬", "┐") + row(header, rightAlign: centered) + row(types, rightAlign: centered)
        text += line("├", "┼", "┤")
        for cells in head { text += row(cells, rightAlign: numeric) }
        if total > shown.count {
            text += row(widths.map { _ in "·" }, rightAlign: centered)
        }
        for cells in tail { text += row(cells, rightAlign: numeric) }
        text += line("└", "┴", "┘")
        if total != 1 || shown.isEmpty {
            text += total > shown.count ? "\(total) rows (\(shown.count) shown)\n" : "\(total) rows\n"
        }
        output.write(text)
    }

    /// The narrowest columns a table is cut to, however narrow the terminal.
    static let minimumWidth = 5

    /// `widths` with the widest cut to one cap, the largest that makes them fit in `budget`
    /// characters; no column is cut below ``minimumWidth`` (the table is then wider than `budget`).
    static func fitted(_ widths: [Int], into budget: Int) -> [Int] {
        var cap = widths.max() ?? 0
        while cap > minimumWidth && widths.reduce(0, { $0 + min($1, cap) }) > budget { cap -= 1 }
        return widths.map { min($0, cap) }
    }

    /// `cell` cut to `width` characters, its last one `…` when cut.
    static func truncated(_ cell: String, to width: Int) -> String {
        cell.count > width ? String(cell.prefix(max(width - 1, 0))) + "…" : cell
    }

    /// The value on one line: line breaks shown as `\n` and `\r` (a bare `\r` would move the
    /// terminal's cursor back over the box).
    static func render(_ value: Value) -> String {
        var text = ""
        for scalar in value.description.unicodeScalars {
            switch scalar {
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}

private func isNumeric(_ type: LogicalType) -> Bool {
    switch type {
    case .tinyint, .smallint, .integer, .bigint, .hugeint, .utinyint, .usmallint, .uinteger, .ubigint, .uhugeint,
        .float, .double, .decimal:
        true
    default: false
    }
}
