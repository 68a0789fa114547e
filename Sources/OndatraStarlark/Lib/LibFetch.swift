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
/// each result's shape, hands each page's rows on, then calls `finalize_fetch(row_count)` when
/// the lib defines it.
///
/// A `next` may repeat (a constant `True` while `page.number` advances, as page-number APIs are
/// written), so a fetch that would never end is caught otherwise: a page identical to the one
/// before it (the same rows and the same `next`) is an error, and so is a fetch that still has a
/// `next` on its `max_pages`th page.
struct LibFetchLoop {
    let function: LibFunction
    /// The calling model's incremental cursor, also passed to `fetch` as keyword arguments it
    /// declares (`is_backfill`, `last_value`, `initial_value`, `last_run`, `cursor`), as lib files
    /// written for the seed system expect.
    let incremental: IncrementalState?
    /// Called after each page with the number of pages so far; takes the page's rows from the
    /// collector. A throw ends the fetch.
    let afterPage: (Int) throws -> Void

    /// Runs the pages (rows go to `collector`), then `finalize_fetch` when given.
    func run(
        _ fetch: Starlark.Value, arguments: [Starlark.Value], thread: StarlarkThread, collector: RowCollector,
        finalize: Starlark.Value?
    ) throws {
        try runPages(fetch, arguments: arguments, thread: thread, collector: collector)
        guard let finalize else { return }
        // `row_count` by name when the function names its parameter so, otherwise by position.
        let count = Starlark.Value.int(collector.count)
        if case .function(let function) = finalize, function.parameterNames.contains("row_count") {
            _ = try thread.call(finalize, [], named: [("row_count", count)])
        } else {
            _ = try thread.call(finalize, [count])
        }
    }

    private func runPages(
        _ fetch: Starlark.Value, arguments: [Starlark.Value], thread: StarlarkThread, collector: RowCollector
    ) throws {
        let maxPages = function.api.fetch?.maxPages ?? LibAPI.FetchSettings.defaultMaxPages
        var cursor: Starlark.Value = .none
        var number = 1
        var previous: (rows: Starlark.Value, next: Starlark.Value)?
        while true {
            let page = FetchPage(cursor: cursor, size: function.api.fetch?.pageSize, number: number)
            let result = try thread.call(fetch, arguments + [.object(page)], named: keywordArguments(of: fetch))
            let (rows, next) = try take(result, page: number, collector: collector)
            try afterPage(number)
            guard let next else { return }
            if let previous, previous.next == next, previous.rows == rows {
                throw StarlarkError(
                    "\(function.path): page \(number) returned the same rows and next \(next.repr) as page \(number - 1), so fetch would never end; pass page.cursor (or page.number) on to the API, and return None as next after the last page"
                )
            }
            guard number < maxPages else {
                throw StarlarkError(
                    "\(function.path): page \(number) still returned a next (\(next.repr)) after max_pages (\(maxPages)) pages; return None as next after the last page, or raise \"max_pages\" in the API's fetch if the API really has more pages"
                )
            }
            previous = (rows, next)
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

    /// Adds one page's rows; returns them and the page's `next` cursor, nil at the end.
    private func take(_ result: Starlark.Value, page: Int, collector: RowCollector) throws -> (
        rows: Starlark.Value, next: Starlark.Value?
    ) {
        let shape = "fetch must return {\"rows\": [dict, …], \"next\": cursor or None}"
        guard let entries = result.dictEntries else {
            throw StarlarkError("\(function.path): page \(page): \(shape), got \(result.typeName)")
        }
        var next: Starlark.Value?
        var rows: Starlark.Value?
        for (key, value) in entries {
            switch key {
            case .string("rows"):
                guard let elements = value.arrayValue, case .list = value else {
                    throw StarlarkError(
                        "\(function.path): page \(page): \"rows\" must be a list of dicts, got \(value.typeName)")
                }
                rows = value
                for row in elements { try collector.add(row) }
            case .string("next"):
                next = value
            default:
                throw StarlarkError(
                    "\(function.path): page \(page): unexpected key \(key.repr) in fetch's result; \(shape)")
            }
        }
        guard let rows else {
            throw StarlarkError("\(function.path): page \(page): no \"rows\" in fetch's result; \(shape)")
        }
        switch next {
        case nil, .none?, .string("")?: return (rows, nil)
        case let cursor?: return (rows, cursor)
        }
    }
}
