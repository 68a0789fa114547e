extension EventValidator {
    /// Appends `value` (not `null`) normalized for `type`, or returns why it does not fit.
    func append(_ value: EventJSONValue, as type: EventType, to out: inout [UInt8]) -> SchemaProblem? {
        switch type {
        case .boolean: return appendBoolean(value, to: &out)
        case .integer(let kind): return appendInteger(value, kind: kind, to: &out)
        case .float, .double: return appendFloat(value, type: type, to: &out)
        case .decimal(let precision, let scale):
            return appendDecimal(value, type: type, precision: precision, scale: scale, to: &out)
        case .varchar:
            switch value {
            case .string(let text): SchemaJSONWriter.appendString(text, to: &out)
            case .number(let number): SchemaJSONWriter.appendString(number.text, to: &out)
            case .bool(let flag): SchemaJSONWriter.appendASCII(flag ? "\"true\"" : "\"false\"", to: &out)
            case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
            case .array, .object:
                var json: [UInt8] = []
                SchemaJSONWriter.append(value, to: &json)
                json.withUnsafeBufferPointer { SchemaJSONWriter.appendString(bytes: $0, to: &out) }
            }
            return nil
        case .json:
            SchemaJSONWriter.append(value, to: &out)
            return nil
        case .blob:
            guard case .string(let text) = value else { return .expected(type, got: value) }
            SchemaJSONWriter.appendString(text, to: &out)
            return nil
        case .date, .time, .timeWithTimeZone, .timestamp, .timestampWithTimeZone, .interval, .uuid:
            return appendTemporal(value, type: type, to: &out)
        case .list(let element):
            guard case .array(let elements) = value else { return .expected(type, got: value) }
            out.append(UInt8(ascii: "["))
            for (index, item) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                if case .null = item {
                    out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
                } else if let problem = append(item, as: element, to: &out) {
                    return problem.inElement(index)
                }
            }
            out.append(UInt8(ascii: "]"))
            return nil
        case .other(let text):
            var json: [UInt8] = []
            SchemaJSONWriter.append(value, to: &json)
            if let reason = checkOther(String(decoding: json, as: UTF8.self), text) {
                return .expected(type, got: value, reason)
            }
            out.append(contentsOf: json)
            return nil
        }
    }

    /// Dates, times, timestamps, intervals and UUIDs: strings in the forms ``SchemaTemporalText``,
    /// ``SchemaIntervalText`` and ``SchemaUUIDText`` accept.
    private func appendTemporal(_ value: EventJSONValue, type: EventType, to out: inout [UInt8]) -> SchemaProblem? {
        guard case .string(var text) = value else { return .expected(type, got: value) }
        return text.withUTF8 { whole -> SchemaProblem? in
            if type == .uuid {
                guard let canonical = SchemaUUIDText.canonical(whole) else {
                    return .expected(type, got: value, "expected 8-4-4-4-12 hex digits")
                }
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: canonical)
                out.append(UInt8(ascii: "\""))
                return nil
            }
            var start = 0
            var end = whole.count
            while start < end, SchemaNumberText.isSpace(whole[start]) { start += 1 }
            while end > start, SchemaNumberText.isSpace(whole[end - 1]) { end -= 1 }
            var trimmed = UnsafeBufferPointer(rebasing: whole[start..<end])
            let problem: String?
            switch type {
            case .date:
                problem = SchemaTemporalText.dateProblem(trimmed)
                // DuckDB keeps only the date part of a date-time.
                if problem == nil { trimmed = UnsafeBufferPointer(rebasing: trimmed[0..<10]) }
            case .time: problem = SchemaTemporalText.timeProblem(trimmed)
            case .timeWithTimeZone: problem = SchemaTemporalText.timeProblem(trimmed, allowsZ: false)
            case .interval: problem = SchemaIntervalText.problem(trimmed)
            default: problem = SchemaTemporalText.timestampProblem(trimmed)
            }
            if let problem { return .expected(type, got: value, problem) }
            SchemaJSONWriter.appendString(bytes: trimmed, to: &out)
            return nil
        }
    }
}
