"""Lists single-token mutants of a Python file, one bug per mutant, for fitting the line scorer.

Usage: python3 mutate.py FILE  → prints a JSON list of
``{"line", "column", "original", "replacement", "operator", "text"}`` where ``text`` is the mutated line.
Only lines inside function bodies are mutated (module-level code runs at import, outside any test).
Operators: swapped comparison and arithmetic operators, integer constants off by one, ``and``/``or``
swapped, ``not`` dropped, ``True``/``False`` flipped, and a local variable read replaced by another
local of the same function (variable misuse).
"""

import ast
import io
import json
import keyword
import sys
import tokenize

COMPARISON = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
ARITHMETIC = {"+": "-", "-": "+", "*": "+", "/": "//", "//": "/", "%": "//", "**": "*", "+=": "-=", "-=": "+=", "*=": "+="}
BOOLEAN = {"and": "or", "or": "and", "True": "False", "False": "True"}


def function_body_lines(tree):
    """Lines of function bodies, excluding the ``def`` headers and docstrings."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
                body = body[1:]
            for statement in body:
                lines.update(range(statement.lineno, statement.end_lineno + 1))
    headers = {node.lineno for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    return lines - headers


def variable_misuse(tree, allowed):
    """Reads of a local replaced by another local of the same (innermost) function."""
    mutants = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        local_names = {argument.arg for argument in function.args.args + function.args.kwonlyargs}
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                local_names.add(node.id)
        local_names.discard("self")
        ordered = sorted(local_names)
        if len(ordered) < 2:
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in local_names and node.lineno in allowed:
                index = ordered.index(node.id)
                replacement = ordered[(index + 1) % len(ordered)]
                mutants.append((node.lineno, node.col_offset, node.id, replacement, "variable-misuse"))
    return mutants


def token_mutants(text, allowed):
    mutants = []
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    for position, token in enumerate(tokens):
        line, column = token.start
        if line not in allowed:
            continue
        value = token.string
        if token.type == tokenize.OP:
            if value in COMPARISON:
                mutants.append((line, column, value, COMPARISON[value], "comparison-operator"))
            elif value in ARITHMETIC:
                mutants.append((line, column, value, ARITHMETIC[value], "arithmetic-operator"))
        elif token.type == tokenize.NUMBER and value.isdigit():
            number = int(value)
            mutants.append((line, column, value, str(number + 1), "constant-off-by-one"))
            if number > 0:
                mutants.append((line, column, value, str(number - 1), "constant-off-by-one"))
        elif token.type == tokenize.NAME:
            if value in BOOLEAN:
                mutants.append((line, column, value, BOOLEAN[value], "boolean-operator"))
            elif value == "not" and position + 1 < len(tokens):
                following = tokens[position + 1]
                # `not x` → `x`; `x not in y` → `x in y` both drop the negation.
                mutants.append((line, column, text.split("\n")[line - 1][column : following.start[1]], "", "negation-dropped"))
    return mutants


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    tree = ast.parse(text)
    allowed = function_body_lines(tree)
    lines = text.split("\n")
    seen = set()
    result = []
    for line, column, original, replacement, operator in sorted(token_mutants(text, allowed) + variable_misuse(tree, allowed)):
        source = lines[line - 1]
        if source[column : column + len(original)] != original or (operator == "variable-misuse" and keyword.iskeyword(replacement)):
            continue
        mutated = source[:column] + replacement + source[column + len(original) :]
        if mutated == source or (line, mutated) in seen:
            continue
        seen.add((line, mutated))
        result.append({"line": line, "column": column, "original": original, "replacement": replacement, "operator": operator, "text": mutated})
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
