import Foundation

/// Checks events against an `events` model's columns and writes each as one normalized NDJSON line.
///
/// Build one per target, once (it is an immutable `Sendable` value), and share it across requests.
/// Per event it enforces the spec's rules: every `NOT NULL` column present and not `null`, every
/// value castable to its column's type, no unknown fields, and a declared `received_at` column filled
/// with the receive time when absent or `null` (a client's own value is kept). `received_at` is
/// matched ignoring ASCII case and filled when its type is a timestamp, DATE or VARCHAR (as an ISO
/// 8601 UTC time with microseconds, or the UTC date); of another type it is an ordinary column.
///
/// The line has the declared columns in declared order (each present, `null` when absent) and ends
/// in `\n`; `read_json(path, format = 'newline_delimited', columns = {name: type.sqlName, …})` reads
/// it back as the values DuckDB's casts would give, and every line loads into the DuckLake table
/// (Parquet) `run` flushes to: an event answered 202 never blocks a flush. Values are normalized on
/// the way so that `read_json` (whose JSON conversions are narrower than `CAST`) reads exactly what
/// was checked: integers become JSON integers, decimals exact strings rounded to the scale, booleans
/// `true`/`false`, UUIDs canonical lower-case, dates `YYYY-MM-DD`, times `HH:MM:SS[.f]`, timestamps
/// `YYYY-MM-DD HH:MM:SS[.f][±HH:MM]` (``SchemaTemporal``), non-finite floats `"NaN"`/`"Infinity"`.
///
/// Checked against DuckDB 1.5.5 and its DuckLake (`SchemaDuckDBRoundTripTests`): every accepted
/// value reads back as DuckDB's `TRY_CAST` of the original (or, for the ISO 8601 forms below that
/// CAST refuses, as they mean) and loads into DuckLake. Where this knowingly differs from DuckDB
/// (stricter unless said otherwise):
/// - Integer columns refuse numbers with a fraction (`1.5`; DuckDB rounds to 2) and booleans (DuckDB
///   makes them 0/1); whole values written `1.0` or `1e2` are accepted. Numeric strings must be
///   decimal: no hex/binary (`0x10`, `0b1`) or `_` digit separators, which DuckDB's cast takes.
/// - FLOAT, DOUBLE and DECIMAL strings take no `_` separators either. A JSON *number* beyond the
///   type's range is refused (`read_json` refuses it for FLOAT, and would make it infinity for
///   DOUBLE); a *string* such as `"1e39"` becomes infinity, as DuckDB's cast makes it.
/// - DECIMAL(p, s) rounds more than `s` fraction digits half away from zero (`1.239` → `1.24`), as
///   DuckDB's cast does.
/// - BOOLEAN takes the numbers 0 and 1 only (DuckDB makes any non-zero number true).
/// - VARCHAR keeps a number's text as sent (`1.50`, `1E5`; DuckDB's `read_json` would reformat it
///   through a double to `1.5`, `100000.0`), and objects and arrays become compact JSON text with
///   their numbers as sent.
/// - BLOB takes any string and stores its UTF-8 bytes, which is what `read_json` does (a SQL `CAST`
///   would decode `\xAA` escapes and refuse non-ASCII text). More lenient than `CAST`, same as
///   `read_json`.
/// - DATE, TIME and TIMESTAMP take ISO 8601 only: a 4-digit year, 2-digit month, day, hour, minute
///   and second, offsets `Z`, `±HH`, `±HHMM` or `±HH:MM` up to 23:59. DuckDB also takes 1-digit
///   fields, `/` separators, BC dates, `infinity`, `epoch`, zone names (`UTC`), offsets of 24 hours
///   or with seconds, and text after a date. More lenient: minutes without seconds before an offset
///   (`10:00Z`, `10:00+02`), and `Z` for TIME WITH TIME ZONE, which DuckDB's cast refuses. As in
///   DuckDB, DATE takes a full timestamp and keeps its date part whatever the offset; TIME ignores
///   an offset; TIME WITH TIME ZONE takes offsets up to ±15:59 (and DuckLake stores it converted
///   to UTC); a TIMESTAMP (without time zone, also _S and _MS) keeps the wall-clock time and drops
///   the offset while TIMESTAMP_NS converts to UTC; TIMESTAMPTZ and TIME WITH TIME ZONE without an
///   offset are UTC (as `read_json` reads them, whatever the session's `TimeZone`). TIMESTAMP_NS
///   holds 1677-09-22 00:00:00 to 2262-04-11 23:47:16.854775806 UTC (DuckDB reads 1677-09-21 but
///   DuckLake cannot write it); the other types hold all four-digit years.
/// - UUID takes 32 hex digits with hyphens at the standard places or none, optionally in braces;
///   DuckDB takes hyphens anywhere.
/// - INTERVAL takes the unambiguous part of DuckDB's syntax (``SchemaIntervalText``); DuckDB also
///   takes `1:2`, and text after a time, which it ignores (`01:02:03 ago` is not negated). What
///   DuckLake's Parquet cannot store is refused: negative intervals or parts (`-1 day`, `1 day ago`,
///   `1 day -2 hours`), and a time part over 1193:02:47.295 (`1194 hours`; write `50 days`).
///   Parquet keeps milliseconds: finer parts are dropped when stored.
/// - Lists must be JSON arrays; DuckDB would also cast a string such as `"[1,2]"`.
/// - NaN and infinity can only be strings (`"nan"`, `"-Infinity"`, any case): JSON has no literal.
/// - JSON columns get the value's compact text with numbers as sent; DuckDB itself then stores
///   numbers re-formatted (`12.50` reads back as `12.5`), exactly as it does for the raw event.
public struct EventValidator: Sendable {
    /// The columns, in declared order.
    public let columns: [EventColumn]
    /// Checks a value for an ``EventType/other(_:)`` column: given the value's compact JSON and the
    /// type's text, returns why it is not castable, or nil to accept it.
    public let checkOther: @Sendable (_ valueJSON: String, _ type: String) -> String?

    /// `{"name":` for the first column, `,"name":` for the others.
    private let keyPrefixes: [[UInt8]]
    private let indexByName: [String: Int]
    /// The column filled with the receive time, if one is declared.
    private let receivedAtIndex: Int?

    /// Creates a validator for `columns`; `checkOther` defaults to accepting every value.
    public init(
        columns: [EventColumn],
        checkOther: @escaping @Sendable (_ valueJSON: String, _ type: String) -> String? = { _, _ in nil }
    ) {
        self.columns = columns
        self.checkOther = checkOther
        var prefixes: [[UInt8]] = []
        var names: [String: Int] = [:]
        for (index, column) in columns.enumerated() {
            var prefix: [UInt8] = [index == 0 ? UInt8(ascii: "{") : UInt8(ascii: ",")]
            SchemaJSONWriter.appendString(column.name, to: &prefix)
            prefix.append(UInt8(ascii: ":"))
            prefixes.append(prefix)
            if names[column.name] == nil { names[column.name] = index }
        }
        keyPrefixes = prefixes
        indexByName = names
        receivedAtIndex = columns.firstIndex {
            SchemaText.asciiLowercased($0.name) == "received_at" && $0.type.takesReceivedAt
        }
    }

    /// Checks one event; returns its NDJSON line (ending in `\n`).
    public func validate(_ object: EventJSONObject, receivedAt: Date) throws(EventRejection) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + object.count * 32)
        var clock = SchemaReceivedAt(receivedAt)
        if let rejection = append(object, clock: &clock, to: &out) { throw rejection }
        return out
    }

    /// Checks a batch, all or nothing; returns the lines of every event, in order, and their count.
    /// The first bad event's message is prefixed with `event N: ` (0-based).
    public func validateBatch(_ objects: [EventJSONObject], receivedAt: Date) throws(EventRejection)
        -> (lines: [UInt8], count: Int)
    {
        var out: [UInt8] = []
        out.reserveCapacity(objects.count * (64 + columns.count * 24))
        var clock = SchemaReceivedAt(receivedAt)
        for (index, object) in objects.enumerated() {
            if let rejection = append(object, clock: &clock, to: &out) {
                throw EventRejection(
                    message: "event \(index): \(rejection.message)", field: rejection.field, eventIndex: index)
            }
        }
        return (out, objects.count)
    }

    /// Appends `object`'s line to `out`, or returns why it is refused (`out` is then partly written).
    func append(_ object: EventJSONObject, clock: inout SchemaReceivedAt, to out: inout [UInt8]) -> EventRejection? {
        let members = object.members
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: columns.count) { slots in
            slots.initialize(repeating: -1)
            // Which member holds each column; clients usually send the declared order, so try that first.
            for (position, member) in members.enumerated() {
                let column: Int
                if position < columns.count, columns[position].name == member.key {
                    column = position
                } else if let found = indexByName[member.key] {
                    column = found
                } else {
                    return unknownField(member.key)
                }
                guard slots[column] < 0 else {
                    return EventRejection(
                        message: "field '\(SchemaClip.text(member.key))' is given twice", field: member.key)
                }
                slots[column] = position
            }
            if columns.isEmpty { out.append(UInt8(ascii: "{")) }
            for (index, column) in columns.enumerated() {
                out.append(contentsOf: keyPrefixes[index])
                let slot = slots[index]
                let value = slot >= 0 ? members[slot].value : .null
                if case .null = value {
                    if index == receivedAtIndex {
                        out.append(contentsOf: column.type == .date ? clock.dateJSON() : clock.timestampJSON())
                    } else if column.notNull {
                        let state = slot >= 0 ? "null" : "missing"
                        return EventRejection(
                            message: "field '\(column.name)' is NOT NULL but \(state)", field: column.name)
                    } else {
                        out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
                    }
                    continue
                }
                if let problem = append(value, as: column.type, to: &out) {
                    return EventRejection(
                        message: "field '\(column.name)\(problem.path)': \(problem.detail)", field: column.name)
                }
            }
            out.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
            return nil
        }
    }

    /// The rejection for a key no column is declared for.
    private func unknownField(_ key: String) -> EventRejection {
        let shown = SchemaClip.text(key)
        if columns.isEmpty {
            return EventRejection(message: "unknown field '\(shown)' (no columns declared)", field: key)
        }
        if columns.count <= 10 {
            let declared = columns.map(\.name).joined(separator: ", ")
            return EventRejection(message: "unknown field '\(shown)' (declared: \(declared))", field: key)
        }
        // A suggestion costs key length × name length per column: not worth it for long keys.
        guard key.utf8.count <= 64 else {
            return EventRejection(message: "unknown field '\(shown)' (\(columns.count) columns declared)", field: key)
        }
        let target = Array(SchemaText.asciiLowercased(key).utf8)
        let nearest = columns.map { column in
            (column.name, SchemaTypeNames.editDistance(target, Array(SchemaText.asciiLowercased(column.name).utf8)))
        }.min { $0.1 < $1.1 }
        if let nearest, nearest.1 <= max(1, target.count / 3) {
            return EventRejection(
                message: "unknown field '\(shown)'; did you mean '\(nearest.0)'? (\(columns.count) columns declared)",
                field: key)
        }
        return EventRejection(message: "unknown field '\(shown)' (\(columns.count) columns declared)", field: key)
    }
}
