import DuckDB
import Starlark

extension DuckDB.Value {
    /// This value as Starlark sees it in `query()` results: numbers, strings, bools and None as
    /// themselves, lists as lists, structs and maps as dicts, dates and timestamps as ISO 8601
    /// strings, BLOBs as bytes; integers beyond 64 bits and decimals that a float cannot hold
    /// exactly as strings.
    var starlark: Starlark.Value {
        switch self {
        case .null: return .none
        case .boolean(let value): return .bool(value)
        case .tinyint, .smallint, .integer, .bigint, .utinyint, .usmallint, .uinteger:
            return int64.map { .int(Int($0)) } ?? .none
        case .ubigint(let value): return Int(exactly: value).map { .int($0) } ?? .string(String(value))
        case .hugeint(let value): return Int(exactly: value).map { .int($0) } ?? .string(String(value))
        case .uhugeint(let value): return Int(exactly: value).map { .int($0) } ?? .string(String(value))
        case .float(let value): return .float(Double(value))
        case .double(let value): return .float(value)
        case .decimal(let value):
            return value.roundTripsThroughDouble ? .float(value.doubleValue) : .string(value.description)
        case .varchar(let text), .enumeration(let text), .bit(let text): return .string(text)
        case .blob(let bytes): return .bytes(bytes)
        case .date(let value): return .string(value.description)
        case .time(let value): return .string(value.description)
        case .timeTZ(let value): return .string(value.description)
        case .timestamp(let value): return .string(value.iso8601())
        case .timestampTZ(let value): return .string(value.iso8601(suffix: "Z"))
        case .interval(let value): return .string(value.description)
        case .uuid(let value): return .string(value.description)
        case .list(let items), .array(let items): return .list(items.map(\.starlark))
        case .structure(let fields):
            return (try? Starlark.Value.dict(fields.map { (.string($0.name), $0.value.starlark) })) ?? .none
        case .map(let entries):
            return (try? Starlark.Value.dict(entries.map { ($0.key.starlark, $0.value.starlark) })) ?? .none
        case .union(_, let value): return value.starlark
        }
    }
}
