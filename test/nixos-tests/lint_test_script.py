"""Checks a NixOS test script as the test driver's build does, as far as the standard library can.

The driver's derivation compiles the script, runs pyflakes on it (any message fails the build)
and mypy. Neither is installed here, so this reproduces the pyflakes messages these scripts can
run into, plus the house rule that a test never sleeps:

  * the script compiles;
  * every name it reads is defined: by the script, by Python, or by the driver (its symbols and
    one global per node);
  * every import is used, and no module is imported twice;
  * no f-string lacks a placeholder;
  * no local variable of a function is assigned and never read;
  * nothing sleeps (`sleep` in any form).

Usage: python3 lint_test_script.py SCRIPT NODE... ; prints one problem a line, exits 1 if any.
"""

import ast
import builtins
import re
import symtable
import sys

# What the driver puts in the script's globals (test_driver/driver.py, `test_symbols`).
DRIVER_SYMBOLS = {
    "start_all", "test_script", "machines", "machines_qemu", "machines_nspawn", "vlans", "driver",
    "log", "os", "create_machine", "subtest", "run_tests", "join_all", "retry",
    "serial_stdout_off", "serial_stdout_on", "polling_condition", "BaseMachine", "t", "debug",
}


def module_bindings(table):
    return {
        symbol.get_name()
        for symbol in table.get_symbols()
        if symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace()
    }


def walk_tables(table):
    yield table
    for child in table.get_children():
        yield from walk_tables(child)


def undefined_names(top, known):
    problems = []
    defined = module_bindings(top) | known
    for table in walk_tables(top):
        for symbol in table.get_symbols():
            if not symbol.is_referenced():
                continue
            name = symbol.get_name()
            if table is top:
                unbound = not (symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace())
            else:
                unbound = symbol.is_global() and not symbol.is_declared_global()
            if unbound and name not in defined:
                problems.append(f"undefined name '{name}' (in {table.get_name()})")
    return problems


def import_problems(tree, top):
    problems = []
    referenced = {
        symbol.get_name()
        for table in walk_tables(top)
        for symbol in table.get_symbols()
        if symbol.is_referenced()
    }
    seen = {}
    for node in tree.body:
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        for alias in node.names:
            name = (alias.asname or alias.name).split(".")[0]
            if name in seen:
                problems.append(f"line {node.lineno}: '{name}' imported again (first on line {seen[name]})")
            seen.setdefault(name, node.lineno)
            if name not in referenced:
                problems.append(f"line {node.lineno}: '{name}' imported but unused")
    return problems


def fstring_problems(tree):
    specs = {id(node.format_spec) for node in ast.walk(tree) if isinstance(node, ast.FormattedValue) and node.format_spec}
    return [
        f"line {node.lineno}: f-string is missing placeholders"
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        and id(node) not in specs
        and not any(isinstance(value, ast.FormattedValue) for value in node.values)
    ]


def unused_locals(tree):
    problems = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        body = function.body if isinstance(function.body, list) else [function.body]
        assigned = {}
        read = set()
        declared = set()
        for statement in body:
            for node in ast.walk(statement):
                if isinstance(node, (ast.Global, ast.Nonlocal)):
                    declared.update(node.names)
                elif isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assigned.setdefault(target.id, node.lineno)
                elif isinstance(node, ast.ExceptHandler) and node.name:
                    assigned.setdefault(node.name, node.lineno)
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    read.add(node.id)
        for name, line in assigned.items():
            if name not in read and name not in declared:
                problems.append(f"line {line}: local variable '{name}' is assigned to but never used")
    return problems


def sleep_problems(source):
    return [
        f"line {number}: sleeps (wait for a condition with a deadline instead)"
        for number, line in enumerate(source.splitlines(), start=1)
        if re.search(r"\bsleep\b", line)
    ]


def lint(source, nodes):
    try:
        tree = ast.parse(source)
        top = symtable.symtable(source, "<test script>", "exec")
    except SyntaxError as error:
        return [f"line {error.lineno}: syntax error: {error.msg}"]
    known = set(dir(builtins)) | DRIVER_SYMBOLS | set(nodes) | {f"vlan{number}" for number in range(1, 10)}
    return (
        undefined_names(top, known)
        + import_problems(tree, top)
        + fstring_problems(tree)
        + unused_locals(tree)
        + sleep_problems(source)
    )


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        source = handle.read()
    problems = lint(source, argv[2:])
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
