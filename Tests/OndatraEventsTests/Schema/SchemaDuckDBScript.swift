/// The Python side of ``SchemaDuckDBRoundTripTests``: `python3 -c script cases.json refused.json dir`.
enum SchemaDuckDBScript {
    /// 1. Compares each accepted line's `read_json` result with `TRY_CAST` of the original value;
    ///    lists where the validator is stricter, and where it accepts what CAST refuses.
    /// 2. Loads every accepted line into a DuckLake table of its type, written to Parquet (no
    ///    inlining), as `run` does: a line that cannot be loaded is a failure; a value DuckLake
    ///    stores differently from what `read_json` read is listed.
    /// 3. For each type the declarations refuse, shows what DuckLake does with it; a type DuckLake
    ///    stores faithfully would be refused for nothing, and is a failure.
    ///
    /// Exits 1 on any failure. Without the ducklake extension (`LOAD ducklake`, or the file named
    /// by `ONDATRA_DUCKLAKE_EXTENSION`) steps 2 and 3 are skipped, and say so.
    static let source = #"""
        import duckdb, json, sys, os, shutil
        cases = json.load(open(sys.argv[1])); refused = json.load(open(sys.argv[2])); work = sys.argv[3]
        con = duckdb.connect(); con.sql("SET TimeZone='UTC'")
        def first_line(e): return str(e).splitlines()[0][:160]
        def quoted(t): return t.replace("'", "''")
        def read_json(path, t):
            return con.execute(f"SELECT a::VARCHAR FROM read_json('{path}', format='newline_delimited', columns={{a: '{quoted(t)}'}})").fetchall()
        def cast(case):
            t = case['type']; kind = case['kind']
            try:
                if kind in ('string', 'number'):
                    return con.execute(f"SELECT TRY_CAST(? AS {t})::VARCHAR", [case['text']]).fetchone()[0]
                if kind == 'boolean':
                    return con.execute(f"SELECT TRY_CAST({case['input']} AS {t})::VARCHAR").fetchone()[0]
                path = os.path.join(work, 'orig.ndjson'); open(path, 'w').write('{"a":' + case['input'] + '}\n')
                return read_json(path, t)[0][0]
            except Exception as e:
                return None
        bad = 0; stricter = []; lenient = []; ok = 0
        for i, case in enumerate(cases):
            t = case['type']
            # BLOB and JSON: read_json does not cast these from text, so compare with what it makes of
            # the original event.
            expected = cast(dict(case, kind='raw') if t in ('BLOB', 'JSON') else case)
            if 'line' not in case:
                if expected is not None: stricter.append(f"{t} {case['input']} -> DuckDB {expected!r}; we say: {case['error']}")
                else: ok += 1
                continue
            path = os.path.join(work, f'l{i}.ndjson'); open(path, 'w').write(case['line'])
            try:
                got = read_json(path, t)[0][0]
            except Exception as e:
                print(f"BAD {t} {case['input']}: read_json cannot read {case['line']!r}: {first_line(e)}"); bad += 1; continue
            case['read'] = got
            if expected is None:
                lenient.append(f"{t} {case['input']} -> line {case['line'].strip()!r} reads back {got!r}; DuckDB's CAST refuses the original"); continue
            same = got == expected
            if not same and t in ('FLOAT', 'DOUBLE', 'JSON'):
                try: same = con.execute(f"SELECT ?::{t} IS NOT DISTINCT FROM ?::{t}", [got, expected]).fetchone()[0]
                except Exception: same = False
            if same: ok += 1
            else: print(f"MISMATCH {t} {case['input']}: read back {got!r}, DuckDB casts to {expected!r} (line {case['line']!r})"); bad += 1
        print(f"read_json: {ok} agree with DuckDB, {bad} wrong, {len(stricter)} refused that DuckDB casts, {len(lenient)} accepted that CAST refuses")
        for s in stricter: print("  stricter:", s)
        for s in lenient: print("  lenient:", s)

        # DuckLake, as `run` loads the buffer.
        lake_count = [0]
        def lake():
            lake_count[0] += 1
            d = os.path.join(work, f'lake{lake_count[0]}'); os.makedirs(d)
            c = duckdb.connect(); c.sql("SET TimeZone='UTC'")
            path = os.environ.get('ONDATRA_DUCKLAKE_EXTENSION')
            c.sql(f"LOAD '{path}'" if path else "LOAD ducklake")
            c.sql(f"ATTACH 'ducklake:{d}/meta.ducklake' AS lake (DATA_PATH '{d}/data/', DATA_INLINING_ROW_LIMIT 0)")
            return c
        try:
            lake().close()
        except Exception as e:
            print(f"DuckLake checks skipped: the ducklake extension does not load ({first_line(e)})")
            sys.exit(1 if bad else 0)
        loaded = 0; stored_differently = []
        by_type = {}
        for i, case in enumerate(cases):
            if 'read' in case: by_type.setdefault(case['type'], []).append(i)
        for n, (t, indices) in enumerate(by_type.items()):
            lc = lake(); lc.sql(f"CREATE TABLE lake.t (k INTEGER, a {t})")
            def insert(group):
                path = os.path.join(work, f'g{n}.ndjson')
                open(path, 'w').write(''.join('{"k":%d,"a":%s' % (i, cases[i]['line'][5:]) for i in group))
                lc.execute(f"INSERT INTO lake.t SELECT k, a FROM read_json('{path}', format='newline_delimited', columns={{k: 'INTEGER', a: '{quoted(t)}'}})")
            try:
                insert(indices)
            except Exception:
                for i in indices:
                    try: insert([i])
                    except Exception as e:
                        print(f"BAD {t} {cases[i]['input']}: accepted, but DuckLake cannot load {cases[i]['line'].strip()!r}: {first_line(e)}"); bad += 1
                        if 'FATAL' in str(e) or 'INTERNAL' in str(e): lc = lake(); lc.sql(f"CREATE TABLE lake.t (k INTEGER, a {t})")
            for k, value in lc.execute("SELECT k, a::VARCHAR FROM lake.t").fetchall():
                loaded += 1
                if value != cases[k]['read']: stored_differently.append(f"{t} {cases[k]['input']}: read_json {cases[k]['read']!r}, DuckLake keeps {value!r}")
            lc.close()
        print(f"DuckLake: {loaded} accepted values loaded into Parquet; {len(stored_differently)} kept differently from read_json")
        for s in stored_differently: print("  stored as:", s)

        # Types the declarations refuse: DuckLake must fail on them, or change their values.
        for item in refused:
            t = item['type']; sample = item['sample']
            path = os.path.join(work, 'refused.ndjson'); open(path, 'w').write('{"a":' + sample + '}\n')
            lc = lake()
            try:
                lc.sql(f"CREATE TABLE lake.t (a {t})")
            except Exception as e:
                print(f"  refused {t}: DuckLake cannot create the column: {first_line(e)}"); continue
            try:
                direct = read_json(path, t)[0][0]
            except Exception as e:
                print(f"  refused {t}: read_json cannot read {sample}: {first_line(e)}"); continue
            try:
                lc.execute(f"INSERT INTO lake.t SELECT a FROM read_json('{path}', format='newline_delimited', columns={{a: '{quoted(t)}'}})")
                stored = lc.execute("SELECT a::VARCHAR FROM lake.t").fetchone()[0]
            except Exception as e:
                print(f"  refused {t}: DuckLake cannot load {sample}: {first_line(e)}"); continue
            if stored != direct: print(f"  refused {t}: DuckLake changes {direct!r} to {stored!r}")
            else: print(f"BAD refused {t}, but DuckLake stores {sample} faithfully"); bad += 1
        sys.exit(1 if bad else 0)
        """#
}
