"""Turns a HumanEval ``check(candidate)`` test into a pytest file with one test per assert.

Reads JSON ``{"test": str, "entry_point": str, "module": str}`` on stdin and prints the pytest file.
Top-level statements of ``check``'s body that hold an ``assert`` (an assert, or a loop full of them)
each become one test; the statements without asserts are setup, repeated before every assert that
follows them. Asserts that name nothing (``assert True, "..."``) test nothing and are dropped.
Module-level statements of the test text other than ``def check`` and the ``check(...)`` call are kept.
Works on Python 3.8+ (slices source by line numbers instead of using ``ast.unparse``).
"""

import ast
import json
import sys
import textwrap


def source_of(lines, node):
    """The statement's source text, dedented."""
    return textwrap.dedent("\n".join(lines[node.lineno - 1 : node.end_lineno]))


def has_assert(node):
    return any(isinstance(child, ast.Assert) for child in ast.walk(node))


def names_something(node):
    return any(isinstance(child, ast.Name) for child in ast.walk(node))


def indent(text):
    return textwrap.indent(text, "    ")


def main():
    request = json.load(sys.stdin)
    text = request["test"]
    entry_point = request["entry_point"]
    module = request["module"]
    lines = text.split("\n")
    tree = ast.parse(text)

    preamble = []
    check = None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "check":
            check = node
        elif (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "check"
        ):
            continue
        else:
            preamble.append(source_of(lines, node))
    if check is None:
        raise SystemExit("no check() function in the test")
    parameter = check.args.args[0].arg if check.args.args else "candidate"

    out = [
        "# Generated from a HumanEval check(); one test per assert.",
        "from {} import *  # noqa: F401,F403".format(module),
        "from {} import {} as {}".format(module, entry_point, parameter),
        "",
    ]
    out.extend(preamble)
    out.append("")

    setup = []
    count = 0
    for statement in check.body:
        if not has_assert(statement):
            setup.append(source_of(lines, statement))
            continue
        if isinstance(statement, ast.Assert) and not names_something(statement.test):
            continue
        body = setup + [source_of(lines, statement)]
        out.append("")
        out.append("def test_{:03d}():".format(count))
        out.append(indent("\n".join(body)))
        count += 1
    if count == 0:
        raise SystemExit("no asserts in check()")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
