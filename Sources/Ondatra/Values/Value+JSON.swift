import DuckDB

extension Value {
    /// Appends this value as JSON: numbers as numbers (HUGEINT and DECIMAL values that a double
    /// cannot hold exactly as strings), NULL as `null`, dates and times as ISO 8601 strings,
    /// lists as arrays, structs as objects, maps with text keys as objects (other maps as arrays
    /// of `{"key", "value"}` objects).
    public func appendJSON(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .boolean(let v): output += v ? "true" : "false"
        case .tinyint(let v): output += String(v)
        case .smallint(let v): output += String(v)
        case .integer(let v): output += String(v)
        case .bigint(let v): output += String(v)
        case .utinyint(let v): output += String(v)
        case .usmallint(let v): output += String(v)
        case .uinteger(let v): output += String(v)
        case .ubigint(let v): output += String(v)
        case .hugeint(let v): Self.appendWide(String(v), fits: v.magnitude <= 1 << 53, to: &output)
        case .uhugeint(let v): Self.appendWide(String(v), fits: v <= 1 << 53, to: &output)
        case .float(let v): JSONText.appendNumber(Double(v), to: &output)
        case .double(let v): JSONText.appendNumber(v, to: &output)
        case .decimal(let v): Self.appendWide(v.description, fits: v.roundTripsThroughDouble, to: &output)
        case .varchar(let v), .enumeration(let v), .bit(let v): JSONText.appendString(v, to: &output)
        case .blob: JSONText.appendString(description, to: &output)
        case .date(let v): JSONText.appendString(v.description, to: &output)
        case .time(let v): JSONText.appendString(v.description, to: &output)
        case .timeTZ(let v): JSONText.appendString(v.description, to: &output)
        case .timestamp(let v): JSONText.appendString(v.iso8601(), to: &output)
        case .timestampTZ(let v): JSONText.appendString(v.iso8601(suffix: "Z"), to: &output)
        case .interval(let v): JSONText.appendString(v.description, to: &output)
        case .uuid(let v): JSONText.appendString(v.description, to: &output)
        case .list(let items), .array(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                item.appendJSON(to: &output)
            }
            output += "]"
        case .structure(let fields):
            Self.appendObject(fields.map { ($0.name, $0.value) }, to: &output)
        case .map(let entries):
            if entries.allSatisfy({ $0.key.string != nil }) {
                Self.appendObject(entries.map { ($0.key.string ?? "", $0.value) }, to: &output)
            } else {
                output += "["
                for (index, entry) in entries.enumerated() {
                    if index > 0 { output += "," }
                    Self.appendObject([("key", entry.key), ("value", entry.value)], to: &output)
                }
                output += "]"
            }
        case .union(_, let value): value.appendJSON(to: &output)
        }
    }

    /// Compact JSON text of this value.
    public var jsonText: String {
        var output = ""
        appendJSON(to: &output)
        return output
    }

    /// Appends `{"name": value, …}` keeping the given order.
    public static func appendObject(_ members: [(String, Value)], to output: inout String) {
        output += "{"
        for (index, member) in members.enumerated() {
            if index > 0 { output += "," }
            JSONText.appendString(member.0, to: &output)
            output += ":"
            member.1.appendJSON(to: &output)
        }
        output += "}"
    }

    private static func appendWide(_ text: String, fits: Bool, to output: inout String) {
        if fits { output += text } else { JSONText.appendString(text, to: &output) }
    }
}
