import DuckDB
import Ondatra
import Starlark

/// `page` as `fetch` receives it: `cursor` (None on the first call), `size` and `number` (from 1).
final class FetchPage: StarlarkAttributes, @unchecked Sendable {
    let cursor: Starlark.Value
    let size: Int?
    let number: Int

    init(cursor: Starlark.Value, size: Int?, number: Int) {
        self.cursor = cursor
        self.size = size
        self.number = number
    }

    var typeName: String { "page" }
    var description: String { "<page \(number)>" }

    func attribute(_ name: String) throws -> Starlark.Value? {
        switch name {
        case "cursor": cursor
        case "size": size.map { .int($0) } ?? Starlark.Value.none
        case "number": .int(number)
        default: nil
        }
    }

    var attributeNames: [String] { ["cursor", "number", "size"] }
}

/// The fetch contract: calls `fetch(args…, page)` until it returns no `next` cursor, checking
/// each result's shape, and collects the rows.
struct LibFetchLoop {
    let function: LibFunction
    /// The calling model's incremental cursor, also passed to `fetch` as keyword arguments it
    /// declares (`is_backfill`, `last_value`, `initial_value`, `last_run`, `cursor`), as lib files
    /// written for the seed system expect.
    let incremental: IncrementalState?
    /// Called after each page with the pages and rows so far.
    let progress: ((Int, Int) -> Void)?

    /// Runs the pages; rows go to `collector`.
    func run(_ fetch: Starlark.Value, arguments: [Starlark.Value], thread: StarlarkThread, collector: RowCollector)
        throws
    {
        var cursor: Starlark.Value = .none
        var number = 1
        var seenCursors: [Starlark.Value] = []
        while true {
            let page = FetchPage(cursor: cursor, size: function.api.fetch?.pageSize, number: number)
            let result = try thread.call(fetch, arguments + [.object(page)], named: keywordArguments(of: fetch))
            let next = try take(result, page: number, collector: collector)
            progress?(number, collector.count)
            guard let next else { return }
            if seenCursors.contains(next) {
                throw StarlarkError(
                    "\(function.path): fetch returned the next cursor \(next.repr) again on page \(number); it would never end"
                )
            }
            seenCursors.append(next)
            cursor = next
            number += 1
        }
    }

    /// The incremental values `fetch` declares parameters for, where the state has them.
    private func keywordArguments(of fetch: Starlark.Value) -> [(String, Starlark.Value)] {
        guard case .function(let function) = fetch else { return [] }
        let module = IncrementalModule(incremental)
        let declared = Set(function.parameterNames)
        return ["is_backfill", "last_value", "initial_value", "last_run", "cursor"].compactMap { name in
            // A value the state lacks (None) leaves the parameter's own default.
            guard declared.contains(name), let value = try? module.attribute(name), value != .none else { return nil }
            return (name, value)
        }
    }

    /// Adds one page's rows; returns its `next` cursor, or nil at the end.
    private func take(_ result: Starlark.Value, page: Int, collector: RowCollector) throws -> Starlark.Value? {
        let shape = "fetch must return {\"rows\": [dict, …], \"next\": cursor or None}"
        guard let entries = result.dictEntries else {
            throw StarlarkError("\(function.path): page \(page): \(shape), got \(result.typeName)")
        }
        var next: Starlark.Value?
        var sawRows = false
        for (key, value) in entries {
            switch key {
            case .string("rows"):
                guard let rows = value.arrayValue, case .list = value else {
                    throw StarlarkError(
                        "\(function.path): page \(page): \"rows\" must be a list of dicts, got \(value.typeName)")
                }
                sawRows = true
                for row in rows { try collector.add(row) }
            case .string("next"):
                next = value
            default:
                throw StarlarkError(
                    "\(function.path): page \(page): unexpected key \(key.repr) in fetch's result; \(shape)")
            }
        }
        guard sawRows else {
            throw StarlarkError("\(function.path): page \(page): no \"rows\" in fetch's result; \(shape)")
        }
        switch next {
        case nil, .none?, .string("")?: return nil
        case let cursor?: return cursor
        }
    }
}
