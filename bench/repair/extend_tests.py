"""Builds the ``extended`` visible test of a HumanEvalFix-Python task as one HumanEval ``check``.

Reads JSON ``{"example_test": str, "test": str}`` on stdin and prints a test text with one
``def check(...)`` that ``bench/localize/split_tests.py`` then turns into one pytest test per assert:
first every statement of ``example_test``'s check (the docstring examples, as in the ``examples``
visibility), then the hidden ``test``'s check with only its even-indexed asserting statements kept
(0, 2, 4, ... counted the way split_tests.py counts tests: top-level statements holding an assert,
nameless ``assert True`` dropped), minus those already among the examples (same AST, up to the name of the check's parameter). The hidden
check's statements without an assert (setup) are all kept, in order. Module-level statements of both
texts other than ``def check`` and the ``check(...)`` call are kept (the hidden ones first, duplicates
once). An ``example_test`` that does not parse (Python/119 holds code, not a check) counts as empty.
Works on Python 3.8+ (slices source by line numbers instead of using ``ast.unparse``).
"""

import ast
import copy
import json
import os
import sys
import textwrap

# The statement helpers are split_tests.py's, so both scripts count tests the same way.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "localize"))
from split_tests import has_assert, names_something, source_of  # noqa: E402


def counts_as_test(statement):
    """The statements split_tests.py turns into a test of their own."""
    if not has_assert(statement):
        return False
    return not (isinstance(statement, ast.Assert) and not names_something(statement.test))


class Rename(ast.NodeTransformer):
    """Renames one variable, so asserts that call the function by different names compare equal."""

    def __init__(self, old, new):
        self.old = old
        self.new = new

    def visit_Name(self, node):
        if node.id == self.old:
            return ast.copy_location(ast.Name(id=self.new, ctx=node.ctx), node)
        return node


def shape(statement, parameter):
    """The statement's AST with the check's parameter renamed, as text (positions left out)."""
    return ast.dump(Rename(parameter, "candidate ").visit(copy.deepcopy(statement)))


def parts(text):
    """(module-level statements, check's parameter, check's body statements with their source)."""
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
    body = [(statement, source_of(lines, statement)) for statement in check.body]
    return preamble, parameter, body


def main():
    request = json.load(sys.stdin)
    hidden_preamble, parameter, hidden_body = parts(request["test"])
    example_preamble, example_parameter, example_body = [], parameter, []
    if request["example_test"].strip() != "":
        try:
            example_preamble, example_parameter, example_body = parts(request["example_test"])
        except SyntaxError:
            pass

    seen = set(shape(statement, example_parameter) for statement, _ in example_body)
    body = [text for _, text in example_body]
    if example_parameter != parameter and example_body:
        # The hidden asserts call the function by the hidden check's parameter name.
        body.append("{} = {}".format(parameter, example_parameter))
    index = 0
    for statement, text in hidden_body:
        if not counts_as_test(statement):
            if not has_assert(statement):
                body.append(text)
            continue
        keep = index % 2 == 0 and shape(statement, parameter) not in seen
        index += 1
        if keep:
            body.append(text)

    preamble = list(hidden_preamble)
    preamble.extend(text for text in example_preamble if text not in preamble)
    out = preamble + ["", "def check({}):".format(example_parameter if example_body else parameter)]
    out.extend(textwrap.indent(text, "    ") for text in body)
    out.append("")
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
