"""Times the benchmark programs with starlark-go and starlark-rust, through their PyPI wrappers
(`starlark-go` and `starlark-pyo3`).

Usage: peers.py FILE...  Prints one JSON object: {file: {"go": s, "rust": s, "go_result": r, "rust_result": r}}.
Each program defines main(); only the call to main() is timed (median of 5 calls), not starting
Python or compiling the file.
"""
import json
import sys
import time

import starlark as rust
import starlark_go

REPEATS = 5


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def measure(call):
    timings, result = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = call()
        timings.append(time.perf_counter() - started)
    return median(timings), result


def time_go(source):
    starlark_go.configure_starlark(allow_recursion=True, allow_set=True, allow_global_reassign=True)
    interpreter = starlark_go.Starlark()
    interpreter.exec(source)
    return measure(lambda: interpreter.eval("main()"))


def time_rust(source, name):
    dialect = rust.Dialect.extended()
    module = rust.Module()
    standard = rust.Globals.standard()
    rust.eval(module, rust.parse(name, source, dialect), standard)
    return measure(lambda: rust.eval(module, rust.parse("call.star", "main()", dialect), standard))


report = {}
for path in sys.argv[1:]:
    with open(path) as handle:
        source = handle.read()
    entry = {}
    entry["go"], entry["go_result"] = time_go(source)
    entry["rust"], entry["rust_result"] = time_rust(source, path)
    report[path] = entry
print(json.dumps(report))
