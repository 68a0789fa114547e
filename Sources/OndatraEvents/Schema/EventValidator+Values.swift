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
    /// ``SchemaIntervalText`` and ``SchemaUUIDText`` accept, written in the canonical form `read_json`
    /// reads for the type (``SchemaTemporal``), within what DuckDB and DuckLake's Parquet hold.
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
            let trimmed = UnsafeBufferPointer(rebasing: whole[start..<end])
            if type == .interval {
                if let problem = SchemaIntervalText.problem(trimmed) { return .expected(type, got: value, problem) }
                SchemaJSONWriter.appendString(bytes: trimmed, to: &out)
                return nil
            }
            do throws(SchemaTemporalText.Failure) {
                try appendDateTime(trimmed, type: type, to: &out)
                return nil
            } catch {
                return .expected(type, got: value, error.reason)
            }
        }
    }

    /// DATE, TIME, TIME WITH TIME ZONE and the timestamps: `text` (trimmed) read and written back
    /// canonically.
    private func appendDateTime(_ text: UnsafeBufferPointer<UInt8>, type: EventType, to out: inout [UInt8])
        throws(SchemaTemporalText.Failure)
    {
        switch type {
        case .date:
            // DuckDB keeps only the date part of a date-time, whatever its offset.
            try SchemaTemporalText.date(text).appendDate(to: &out)
        case .time:
            try SchemaTemporalText.time(text).appendTime(from: text, withOffset: false, to: &out)
        case .timeWithTimeZone:
            let time = try SchemaTemporalText.time(text)
            guard abs(time.offsetMinutes ?? 0) <= SchemaTemporal.timeZoneOffsetLimit else {
                throw SchemaTemporalText.Failure("TIME WITH TIME ZONE takes offsets up to ±15:59")
            }
            time.appendTime(from: text, withOffset: true, to: &out)
        case .timestampWithTimeZone:
            // read_json reads a TIMESTAMPTZ without an offset as UTC: written so.
            try SchemaTemporalText.timestamp(text).appendTimestamp(from: text, defaultOffset: 0, to: &out)
        case .timestamp(.nanoseconds):
            let timestamp = try SchemaTemporalText.timestamp(text)
            guard timestamp.fitsNanoseconds(in: text) else {
                throw SchemaTemporalText.Failure("out of range for TIMESTAMP_NS: \(SchemaTemporal.nanosecondRange)")
            }
            timestamp.appendTimestamp(from: text, to: &out)
        default:
            // TIMESTAMP, _S and _MS: DuckDB keeps the wall-clock time and drops an offset.
            try SchemaTemporalText.timestamp(text).appendTimestamp(from: text, to: &out)
        }
    }
}
