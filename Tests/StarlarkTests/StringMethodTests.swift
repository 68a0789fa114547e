import Testing

@testable import Starlark

/// Calls a string method and returns the result's repr.
private func string(_ receiver: String, _ method: String, _ args: Value..., named: [(String, Value)] = []) throws
    -> String
{
    let body = StringMethods.table[method]!
    return try body(StarlarkThread(), .string(receiver), Arguments(args, named: named.map { ($0.0, $0.1) })).repr
}

/// The error message a string method fails with, or nil if it succeeds.
private func failure(_ receiver: String, _ method: String, _ args: Value..., named: [(String, Value)] = []) -> String? {
    let body = StringMethods.table[method]!
    do {
        _ = try body(StarlarkThread(), .string(receiver), Arguments(args, named: named.map { ($0.0, $0.1) }))
        return nil
    } catch let error as StarlarkError {
        return error.message
    } catch {
        return "\(error)"
    }
}

/// `format % operand`'s result, or its error message prefixed with "error: ".
private func percent(_ format: String, _ operand: Value) -> String {
    do {
        return try PercentFormat.format(format, operand)
    } catch let error as StarlarkError {
        return "error: " + error.message
    } catch {
        return "error: \(error)"
    }
}

private func strings(_ items: String...) -> Value { .tuple(items.map { .string($0) }) }

private func dict(_ pairs: (String, Value)...) throws -> Value {
    let result = StarlarkDict()
    for (key, value) in pairs { try result.set(.string(key), value) }
    return .dict(result)
}

/// Elements of an iterable view, as a list repr.
private func list(_ value: Value) throws -> String {
    Value.list(StarlarkList(try Operators.elements(value))).repr
}

@Suite struct StringMethodTests {
    @Test func split() throws {
        #expect(try string("a.b.c.d", "split", .string(".")) == #"["a", "b", "c", "d"]"#)
        #expect(try string("a.b.c.d", "rsplit", .string("."), .int(1)) == #"["a.b.c", "d"]"#)
        #expect(try string("a.b.c.d", "split", .string("."), .int(2)) == #"["a", "b", "c.d"]"#)
        #expect(try string("a.b.c.d", "rsplit", .string("."), .int(0)) == #"["a.b.c.d"]"#)
        #expect(try string(" a bc\n  def \t  ghi", "split") == #"["a", "bc", "def", "ghi"]"#)
        #expect(try string(" a bc\n  def \t  ghi", "split", .none, .int(1)) == #"["a", "bc\n  def \t  ghi"]"#)
        #expect(try string(" a bc\n  def \t  ghi", "rsplit", .none, .int(2)) == #"[" a bc", "def", "ghi"]"#)
        #expect(try string(" a bc\n  def \t  ghi ", "rsplit", .none, .int(0)) == #"[" a bc\n  def \t  ghi"]"#)
        #expect(try string("  aa  bb  cc  ", "split", .none, .int(0)) == #"["aa  bb  cc  "]"#)
        #expect(try string("--aa--bb--cc--", "rsplit", .string("-"), .int(1)) == #"["--aa--bb--cc-", ""]"#)
        #expect(
            try string("--aa--bb--cc--", "split", .string("-"), .int(-1))
                == #"["", "", "aa", "", "bb", "", "cc", "", ""]"#)
        #expect(try string("  ", "split") == "[]")
        #expect(try string("  ", "rsplit", .none) == "[]")
        #expect(try string("héllo wörld", "split") == #"["héllo", "wörld"]"#)
        #expect(failure("abc", "split", .string("")) == "split: empty separator")
        #expect(failure("abc", "rsplit", .string("")) == "split: empty separator")
        #expect(failure("abc", "split", .int(1)) == "split: got int for separator, want string")
        #expect(failure("abc", "split", named: [("sep", .string("b"))]) == "split: unexpected keyword arguments")
    }

    @Test func splitLines() throws {
        #expect(try string("\nabc\ndef", "splitlines") == #"["", "abc", "def"]"#)
        #expect(try string("\nabc\ndef\n", "splitlines", .bool(true)) == #"["\n", "abc\n", "def\n"]"#)
        #expect(try string("", "splitlines") == "[]")
        #expect(try string("\n", "splitlines") == #"[""]"#)
        #expect(try string("a\n\nb", "splitlines", .bool(true)) == #"["a\n", "\n", "b"]"#)
    }

    @Test func strip() throws {
        #expect(try string(" \tfoo\n ", "strip") == #""foo""#)
        #expect(try string(" \tfoo\n ", "lstrip") == #""foo\n ""#)
        #expect(try string(" \tfoo\n ", "rstrip", .string("")) == #"" \tfoo""#)
        #expect(try string("blah.h", "strip", .string("b.h")) == #""la""#)
        #expect(try string("blah.h", "lstrip", .string("b.h")) == #""lah.h""#)
        #expect(try string("blah.h", "rstrip", .string("b.h")) == #""bla""#)
        #expect(try string("ééaéé", "strip", .string("é")) == #""a""#)
        #expect(try string("\u{3000}x\u{A0}", "strip") == #""x""#)
    }

    @Test func searching() throws {
        #expect(try string("banana", "count", .string("a")) == "3")
        #expect(try string("banana", "count", .string("a"), .int(2)) == "2")
        #expect(try string("banana", "count", .string("a"), .int(-4), .int(-2)) == "1")
        #expect(try string("banana", "count", .string("a"), .int(0), .int(-100)) == "0")
        #expect(try string("héllo", "count", .string("")) == "6")
        #expect(try string("foofoo", "find", .string("oo")) == "1")
        #expect(try string("foofoo", "find", .string("ox")) == "-1")
        #expect(try string("foofoo", "find", .string("oo"), .int(2)) == "4")
        #expect(try string("foofoo", "rfind", .string("oo")) == "4")
        #expect(try string("foofoo", "rfind", .string("oo"), .int(1), .int(4)) == "1")
        #expect(try string("foofoo", "find", .string("")) == "0")
        #expect(try string("foofoo", "rfind", .string("")) == "6")
        #expect(try string("héllo", "find", .string("l")) == "3")
        #expect(try string("foofoo", "index", .string("f"), .int(1)) == "3")
        #expect(failure("foofoo", "index", .string("x")) == "index: substring not found")
        #expect(failure("foofoo", "rindex", .string("x")) == "rindex: substring not found")
        #expect(failure("foo", "find", .string("o"), .float(1)) == "find: invalid start index: got float, want int")
        #expect(failure("foo", "find", .int(1)) == "find: for parameter 1: got int, want string")
        #expect(failure("foo", "find") == "find: got 0 arguments, want at least 1")
    }

    @Test func startsAndEndsWith() throws {
        #expect(try string("foo", "endswith", .string("oo")) == "True")
        #expect(try string("foo", "startswith", .string("x")) == "False")
        #expect(try string("ABC", "startswith", strings("a", "A")) == "True")
        #expect(try string("ABC", "endswith", strings("b", "B")) == "False")
        #expect(try string("abc", "startswith", .string("bc"), .int(1)) == "True")
        #expect(try string("abc", "startswith", .string("b"), .int(999)) == "False")
        #expect(try string("abc", "endswith", .string("ab"), .none, .int(-1)) == "True")
        #expect(try string("abc", "endswith", .string("b"), .none, .int(-999)) == "False")
        #expect(failure("foo", "startswith", .int(1)) == "startswith: got int, want string or tuple of string")
        #expect(
            failure("123", "endswith", .tuple([.int(1), .int(2)])) == "endswith: want string, got int, for element 0")
    }

    @Test func partitionAndAffixes() throws {
        #expect(try string("foo/bar/wiz", "partition", .string("/")) == #"("foo", "/", "bar/wiz")"#)
        #expect(try string("foo/bar/wiz", "rpartition", .string("/")) == #"("foo/bar", "/", "wiz")"#)
        #expect(try string("foo/bar/wiz", "partition", .string(".")) == #"("foo/bar/wiz", "", "")"#)
        #expect(try string("foo/bar/wiz", "rpartition", .string(".")) == #"("", "", "foo/bar/wiz")"#)
        #expect(failure("foo", "rpartition", .string("")) == "rpartition: empty separator")
        #expect(try string("Apricot", "removesuffix", .string("cot")) == #""Apri""#)
        #expect(try string("Apricotcot", "removesuffix", .string("cot")) == #""Apricot""#)
        #expect(try string("Apricot", "removeprefix", .string("apr")) == #""Apricot""#)
        #expect(try string("AprApricot", "removeprefix", .string("Apr")) == #""Apricot""#)
        #expect(try string("", "removeprefix", .string("a")) == #""""#)
    }

    @Test func replaceAndJoin() throws {
        #expect(try string("banana", "replace", .string("a"), .string("o"), .int(1)) == #""bonana""#)
        #expect(try string("banana", "replace", .string("a"), .string("o")) == #""bonono""#)
        #expect(try string("banana", "replace", .string("a"), .string(""), .int(-1)) == #""bnn""#)
        #expect(try string("héj", "replace", .string(""), .string("-")) == #""-h-é-j-""#)
        #expect(try string("héj", "replace", .string(""), .string("-"), .int(2)) == #""-h-éj""#)
        #expect(try string(",", "join", .list(StarlarkList([.string("a"), .string("b")]))) == #""a,b""#)
        #expect(try string(",", "join", .tuple([])) == #""""#)
        #expect(failure("", "join", .none) == "join: for parameter 1: got NoneType, want iterable")
        #expect(failure(",", "join", .string("abc")) == "join: for parameter 1: got string, want iterable")
        #expect(failure("", "join", .tuple([.string("one"), .int(2)])) == "join: in list, want string, got int")
    }

    @Test func caseMethods() throws {
        #expect(try string("hElLo, WoRlD!", "capitalize") == #""Hello, world!""#)
        #expect(try string("¿Por qué?", "capitalize") == #""¿por qué?""#)
        #expect(try string("ǇUBOVIĆ", "lower") == #""ǉubović""#)
        #expect(try string("¿Por qué?", "upper") == #""¿POR QUÉ?""#)
        #expect(try string("ǉubović", "upper") == #""ǇUBOVIĆ""#)
        #expect(try string("straße", "upper") == #""STRAßE""#)
        #expect(try string("hElLo, WoRlD!", "title") == #""Hello, World!""#)
        #expect(try string("ǉubović", "title") == #""ǈubović""#)
        #expect(try string("ǆenan ǉubović", "islower") == "True")
        #expect(try string("ǄENAN ǇUBOVIĆ", "isupper") == "True")
        #expect(try string("ǅenan ǈubović", "istitle") == "True")
        #expect(try string("Ǆenan Ǉubović", "istitle") == "False")
        #expect(failure("a", "lower", .int(1)) == "lower: got 1 arguments, want 0")
    }

    @Test func predicates() throws {
        let names = ["alnum", "alpha", "digit", "lower", "space", "title", "upper"]
        let table: [(String, String)] = [
            ("Hello, World!", "title"), ("hello, world!", "lower"), ("base64", "alnum lower"),
            ("HAL-9000", "upper"), ("Catch-22", "title"), ("", ""), ("\n\t\r", "space"),
            ("abc", "alnum alpha lower"), ("ABC", "alnum alpha upper"), ("123", "alnum digit"),
            ("ǄǇ", "alnum alpha upper"), ("ǅǈ", "alnum alpha"), ("ǅ ǈ", "title"), ("ǆǉ", "alnum alpha lower"),
        ]
        for (text, want) in table {
            let got = try names.filter { try string(text, "is" + $0) == "True" }.joined(separator: " ")
            #expect(got == want, "\(text)")
        }
    }

    @Test func format() throws {
        #expect(try string("a{}b{}c{}d{}", "format", .int(1), .int(2), .int(3), .int(4)) == #""a1b2c3d4""#)
        #expect(try string("a{{b}}c", "format") == #""a{b}c""#)
        #expect(
            try string("a{x}b{y}c{}", "format", .int(1), named: [("x", .int(2)), ("y", .int(3))]) == #""a2b3c1""#)
        #expect(try string("{0000000000001}", "format", .int(0), .int(1)) == #""1""#)
        #expect(try string("a{!s}c", "format", .string("b")) == #""abc""#)
        #expect(try string("a{!r}c", "format", .string("b")) == #""a\"b\"c""#)
        #expect(try string("{} {}", "format", .float(1), .none) == #""1.0 None""#)
        #expect(failure("a{z}b", "format", named: [("x", .int(1))]) == "format: keyword z not found")
        #expect(failure("{+1}", "format", .int(1)) == "format: keyword +1 not found")
        #expect(failure("{0,1} and {1}", "format", .int(1), .int(2)) == "format: keyword 0,1 not found")
        #expect(failure("a{123}b", "format") == "format: tuple index out of range")
        #expect(failure("a{}b{}c", "format", .int(1)) == "format: tuple index out of range")
        #expect(
            failure("a{}b{1}c", "format", .int(1), .int(2))
                == "format: cannot switch from automatic field numbering to manual field specification")
        #expect(
            failure("a{0}b{}c", "format", .int(1), .int(2))
                == "format: cannot switch from manual field specification to automatic field numbering")
        #expect(failure("{x!}", "format", named: [("x", .int(1))]) == #"format: unknown conversion """#)
        #expect(failure("{x!:}", "format", named: [("x", .int(1))]) == #"format: unknown conversion """#)
        #expect(
            failure("{x:3}", "format", named: [("x", .int(1))])
                == "format spec features not supported in replacement fields: 3")
        #expect(failure("{a.b}", "format", .int(1))?.contains("syntax x.y is not supported") == true)
        #expect(failure("{a[0]}", "format", .int(1))?.contains("syntax a[i] is not supported") == true)
        #expect(failure("{ {} }", "format", .int(1)) == "format: nested replacement fields not supported")
        #expect(failure("{{}", "format", .int(1)) == "format: single '}' in format")
        #expect(failure("{}}", "format", .int(1)) == "format: single '}' in format")
        #expect(failure("}}{", "format", .int(1)) == "format: unmatched '{' in format")
        #expect(failure("}{{", "format", .int(1)) == "format: single '}' in format")
    }

    @Test func iterables() throws {
        let codepoints = try StringMethods.table["codepoints"]!(StarlarkThread(), .string("abcЙ😿"), Arguments())
        #expect(codepoints.typeName == "string.codepoints")
        #expect(codepoints.str == #""abcЙ😿".codepoints()"#)
        #expect(try list(codepoints) == #"["a", "b", "c", "Й", "😿"]"#)
        if case .object(let object) = codepoints { #expect(!(object is any StarlarkIndexable)) }
        let ords = try StringMethods.table["codepoint_ords"]!(StarlarkThread(), .string("abcЙ😿"), Arguments())
        #expect(try list(ords) == "[97, 98, 99, 1049, 128575]")
        let elemOrds = try StringMethods.table["elem_ords"]!(StarlarkThread(), .string("abcЙ😿"), Arguments())
        #expect(elemOrds.typeName == "string.elems")
        #expect(elemOrds.str == #""abcЙ😿".elem_ords()"#)
        #expect(try list(elemOrds) == "[97, 98, 99, 208, 153, 240, 159, 152, 191]")
        let elems = try StringMethods.table["elems"]!(StarlarkThread(), .string("abc"), Arguments())
        #expect(try list(elems) == #"["a", "b", "c"]"#)
        guard case .object(let object as any StarlarkIndexable) = elems else {
            Issue.record("elems is not indexable")
            return
        }
        #expect(object.count == 3)
        #expect(object.element(at: 2).repr == #""c""#)
        let bytes = try BytesMethods.table["elems"]!(StarlarkThread(), .bytes(Array("hi".utf8)), Arguments())
        #expect(bytes.typeName == "bytes.elems")
        #expect(bytes.str == #"b"hi".elems()"#)
        #expect(try list(bytes) == "[104, 105]")
        #expect(throws: StarlarkError.self) { try bytes.hash() }
    }

    @Test func percentFormat() throws {
        #expect(percent("A", .tuple([])) == "A")
        #expect(percent("A %d %x Z", .tuple([.int(123), .int(456)])) == "A 123 1c8 Z")
        #expect(try percent("A", dict(("unused", .int(123)))) == "A")
        #expect(try percent("A %(foo)d %(bar)s Z", dict(("foo", .int(123)), ("bar", .string("hi")))) == "A 123 hi Z")
        #expect(percent("%s %r", strings("hi", "hi")) == #"hi "hi""#)
        #expect(percent("%%d %d", .int(1)) == "%d 1")
        #expect(percent("%d %d", .int(1)) == "error: not enough arguments for format string")
        #expect(percent("%d %d", .tuple([.int(1), .int(2), .int(3)])) == "error: too many arguments for format string")
        #expect(percent("", .int(1)) == "error: too many arguments for format string")
        #expect(percent("%s", .tuple([.int(1)])) == "1")
        #expect(percent("%s", .list(StarlarkList([.int(1)]))) == "[1]")
        #expect(percent("%(a)s", .int(1)) == "error: format requires a mapping")
        #expect(try percent("%(b)s", dict(("a", .int(1)))) == "error: key not found: b")
        #expect(percent("%(b", .int(1)) == "error: incomplete format key")
        #expect(percent("abc%", .int(1)) == "error: incomplete format")
        #expect(percent("%z", .int(1)) == "error: unknown conversion %z")
        #expect(percent("%c", .int(65)) == "A")
        #expect(percent("%c", .int(0x3b1)) == "α")
        #expect(percent("%c", .string("α")) == "α")
        #expect(percent("%c", .string("abc")) == "error: %c format requires a single-character string")
        #expect(percent("%c", .string("")) == "error: %c format requires a single-character string")
        #expect(percent("%c", .float(65)) == "error: %c format requires int or single-character string, not float")
        #expect(percent("%c", .int(-1)) == "error: %c format requires a valid Unicode code point, got -1")
        #expect(percent("%c", .int(10_000_000)).hasPrefix("error: %c format requires a valid Unicode code point"))
    }

    @Test func percentNumbers() throws {
        #expect(percent("%o %x %d", .tuple([.int(0o755), .int(0xDEADBEEF), .int(42)])) == "755 deadbeef 42")
        #expect(percent("%o %x %X %i", .tuple([.int(-95), .int(-95), .int(-95), .int(-95)])) == "-137 -5f -5F -95")
        #expect(percent("%o %x %d", .tuple([.float(123.1), .float(123.1), .float(123.1)])) == "173 7b 123")
        #expect(percent("%d", .float(1.23e45)) == "1229999999999999973814869011019624571608236032")
        #expect(percent("%d", .float(-0.0)) == "0")
        #expect(percent("%d", .float(.nan)) == "error: %d format requires integer: cannot convert float NaN to integer")
        #expect(percent("%d", .float(.infinity)).hasSuffix("cannot convert float infinity to integer"))
        #expect(percent("%d", .bool(true)) == "error: %d format requires integer: cannot convert bool to int")
        #expect(percent("%e", .int(0)) == "0.000000e+00")
        #expect(percent("%e", .float(1.23e45)) == "1.230000e+45")
        #expect(percent("%e", .float(-1.23e-45)) == "-1.230000e-45")
        #expect(percent("%E", .int(123)) == "1.230000E+02")
        #expect(percent("%e", .float(-.infinity)) == "-inf")
        #expect(percent("%e", .float(-0.0)) == "-0.000000e+00")
        #expect(percent("%f", .int(123)) == "123.000000")
        #expect(percent("%f", .float(1.23e45)) == "1229999999999999973814869011019624571608236032.000000")
        #expect(percent("%f", .float(-1.23e-45)) == "-0.000000")
        #expect(percent("%f", .float(.nan)) == "nan")
        #expect(percent("%f", .string("123")) == "error: %f format requires float, not string")
        #expect(percent("%g", .int(0)) == "0.0")
        #expect(percent("%g", .float(1.110)) == "1.11")
        #expect(percent("%g", .float(1e5)) == "100000.0")
        #expect(percent("%g", .float(1e6)) == "1e+06")
        #expect(percent("%G", .float(1e6)) == "1E+06")
        #expect(percent("%g", .float(-1.23e-45)) == "-1.23e-45")
        #expect(percent("%g", .float(.infinity)) == "+inf")
        #expect(percent("%g", .float(-0.0)) == "-0.0")
    }
}
