/// DuckDB's type names and aliases (as `duckdb_types()` lists them in 1.5), mapped to what the
/// validator does with them; also the "did you mean" search over them.
enum SchemaTypeNames {
    /// How a type name is handled.
    enum Entry: Sendable {
        /// A type without parameters.
        case plain(EventType)
        /// `DECIMAL` and its aliases: `(p)` or `(p, s)`.
        case decimal
        /// `VARCHAR` and its aliases: an optional length, ignored.
        case varchar
        /// `TIMESTAMP`: an optional precision picks the unit.
        case timestamp
        /// `FLOAT`: an optional precision in bits picks FLOAT or DOUBLE.
        case float
        /// A composite type that needs its parameters (`STRUCT(...)`, `MAP(...)`, …): `.other`.
        case composite
        /// A type kept as `.other` and checked through the hook.
        case opaque
        /// A type `read_json` cannot produce.
        case unreadable
        /// A type an events column cannot have (DuckLake cannot store it faithfully, or `read_json`
        /// cannot read it): why, and what to declare instead.
        case refused(String)
    }

    /// Every name, upper-cased, multi-word names with single spaces.
    static let entries: [String: Entry] = {
        var table: [String: Entry] = [:]
        func add(_ entry: Entry, _ names: String...) { for name in names { table[name] = entry } }
        add(.plain(.boolean), "BOOLEAN", "BOOL", "LOGICAL")
        add(.plain(.integer(.tinyint)), "TINYINT", "INT1")
        add(.plain(.integer(.smallint)), "SMALLINT", "INT2", "INT16", "SHORT")
        add(.plain(.integer(.integer)), "INTEGER", "INT", "INT4", "INT32", "SIGNED", "INTEGRAL")
        add(.plain(.integer(.bigint)), "BIGINT", "INT8", "INT64", "LONG", "OID")
        add(.plain(.integer(.utinyint)), "UTINYINT", "UINT8")
        add(.plain(.integer(.usmallint)), "USMALLINT", "UINT16")
        add(.plain(.integer(.uinteger)), "UINTEGER", "UINT32")
        add(.plain(.integer(.ubigint)), "UBIGINT", "UINT64")
        add(.float, "FLOAT")
        add(.plain(.float), "FLOAT4", "REAL")
        add(.plain(.double), "DOUBLE", "FLOAT8", "DOUBLE PRECISION")
        add(.decimal, "DECIMAL", "NUMERIC", "DEC")
        add(.varchar, "VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR", "NVARCHAR", "CHARACTER", "CHARACTER VARYING")
        add(.plain(.date), "DATE")
        add(.plain(.time), "TIME", "TIME WITHOUT TIME ZONE")
        add(.plain(.timeWithTimeZone), "TIMETZ", "TIME WITH TIME ZONE")
        add(.timestamp, "TIMESTAMP")
        add(.plain(.timestamp(.microseconds)), "DATETIME", "TIMESTAMP_US", "TIMESTAMP WITHOUT TIME ZONE")
        add(.plain(.timestamp(.seconds)), "TIMESTAMP_S")
        add(.plain(.timestamp(.milliseconds)), "TIMESTAMP_MS")
        add(.plain(.timestamp(.nanoseconds)), "TIMESTAMP_NS")
        add(.plain(.timestampWithTimeZone), "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE")
        add(.plain(.interval), "INTERVAL")
        add(.plain(.uuid), "UUID", "GUID")
        add(.plain(.json), "JSON")
        add(.plain(.blob), "BLOB", "BYTEA", "BINARY", "VARBINARY")
        add(.composite, "STRUCT", "ROW", "MAP")
        add(.opaque, "GEOMETRY")
        add(.unreadable, "BIT", "BITSTRING", "VARINT", "BIGNUM")
        add(.refused("read_json cannot read VARIANT; use JSON"), "VARIANT")
        // Checked against DuckLake 1.5.5 writing Parquet (SchemaDuckDBRoundTripTests).
        for name in ["HUGEINT", "INT128", "UHUGEINT", "UINT128"] {
            add(
                .refused(
                    "DuckLake stores \(name) as DOUBLE, which keeps only about 16 digits (and a table with "
                        + "values near the limits can no longer be read); use DECIMAL(38, 0) or VARCHAR"),
                name)
        }
        add(
            .refused("DuckLake's Parquet writer cannot store TIME_NS; use TIME (microseconds) or VARCHAR"),
            "TIME_NS")
        add(.refused("DuckLake cannot store ENUM; use VARCHAR"), "ENUM")
        add(
            .refused("DuckLake cannot store UNION; use JSON, or a STRUCT with one field per member"),
            "UNION")
        for name in [
            "POINT_2D", "POINT_3D", "POINT_4D", "LINESTRING_2D", "POLYGON_2D", "BOX_2D", "BOX_2DF", "WKB_BLOB",
        ] {
            add(
                .refused(
                    "\(name) is a type of the spatial extension, which events columns cannot use; use GEOMETRY "
                        + "(sent as WKT text such as 'POINT(1 2)')"),
                name)
        }
        return table
    }()

    /// The known names nearest to `name` (`A` or `A or B`) when close enough to be a typo, else nil.
    static func suggestion(for name: String) -> String? {
        let target = Array(name.uppercased().utf8)
        var best: [String] = []
        var bestDistance = Int.max
        for (candidate, entry) in entries.sorted(by: { $0.key < $1.key }) {
            // Suggest only names a column can have.
            if case .refused = entry { continue }
            let distance = editDistance(target, Array(candidate.utf8))
            if distance < bestDistance {
                best = [candidate]
                bestDistance = distance
            } else if distance == bestDistance {
                best.append(candidate)
            }
        }
        guard bestDistance <= max(1, min(3, target.count / 3)), best.count <= 3 else { return nil }
        return best.joined(separator: " or ")
    }

    /// Levenshtein distance, with a swap of two neighbours counted as one edit (typos like `VRACHAR`).
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previous2[j - 2] + 1)
                }
                current[j] = value
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
