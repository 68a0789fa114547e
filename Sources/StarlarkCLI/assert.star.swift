/// The `assert` module of the conformance harness, as Starlark source. It is loaded with
/// `load("assert.star", "assert")` and built on the harness builtins `error`, `catch`,
/// `matches`, `module`, `_freeze` and `_floateq`.
let assertModuleSource = #"""
    _numeric = ["int", "float"]

    def _equal(got, want):
        if got == want:
            return
        mixed = type(got) in _numeric and type(want) in _numeric
        if mixed and (type(got) == "float" or type(want) == "float"):
            if not _floateq(float(got), float(want)):
                error("floats differ by more than one ulp: %r vs %r" % (got, want))
            return
        error("%r != %r" % (got, want))

    def _not_equal(got, unwanted):
        if got == unwanted:
            error("%r == %r" % (got, unwanted))

    def _is_true(condition, message = "assertion failed"):
        if not condition:
            error(message)

    def _less(smaller, larger):
        if not (smaller < larger):
            error("%s is not less than %s" % (smaller, larger))

    def _contains(container, element):
        if element not in container:
            error("%s does not contain %s" % (container, element))

    def _fails(function, pattern):
        message = catch(function)
        if message == None:
            error("evaluation succeeded unexpectedly (want error matching %r)" % pattern)
        elif not matches(pattern, message):
            error("regular expression (%s) did not match error (%s)" % (pattern, message))

    freeze = _freeze

    assert = module(
        "assert",
        fail = error,
        eq = _equal,
        ne = _not_equal,
        true = _is_true,
        lt = _less,
        contains = _contains,
        fails = _fails,
    )
    """#
