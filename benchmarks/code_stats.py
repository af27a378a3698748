"""Size of the code base: lines of the package and the tests, the largest modules, and the share
of code lines that check arguments (``benchmarks/results_code.md``).

Run: ``.venv/bin/python benchmarks/code_stats.py [REV]`` (REV: a git revision to measure instead
of the working tree, e.g. to compare before and after a change).

*Code lines* are lines holding Python code: not blank, not comments, not docstrings. *Check
lines* are the code lines of argument checks, found in the syntax tree:

* a call statement or assignment whose callee is ``check_*``, ``_check*``, ``as_finite_array``,
  ``as_vectors``, ``as_images`` or a ``Param``'s ``check``;
* an ``if`` whose body only raises ``ValueError``/``TypeError`` (the condition and the raise);
* the whole body of a function named ``check_*`` or ``_check*`` (helpers that exist to check).
"""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import tarfile
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECK_CALLEES = ("check_", "_check", "as_finite_array", "as_vectors", "as_images", "validated")


def _sources(rev: str | None, folders: tuple[str, ...]) -> dict[str, str]:
    if rev is None:
        return {str(p.relative_to(ROOT)): p.read_text()
                for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))
                if "__pycache__" not in p.parts}
    archive = subprocess.run(["git", "archive", rev, *folders], cwd=ROOT, check=True,
                             capture_output=True).stdout
    out = {}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.endswith(".py"):
                out[member.name] = tar.extractfile(member).read().decode()
    return out


def _code_lines(source: str) -> set[int]:
    """Line numbers holding code tokens (docstrings and comments excluded)."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                          tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        lines.update(range(token.start[0], token.end[0] + 1))
    return lines - docstrings


def _callee(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")


def _is_check_call(node) -> bool:
    value = getattr(node, "value", None)
    if not isinstance(value, ast.Call):
        return False
    name = _callee(value)
    return name.startswith(CHECK_CALLEES) or name == "check"


def _raises_only(body) -> bool:
    def clear(stmt):
        if not isinstance(stmt, ast.Raise) or stmt.exc is None:
            return False
        exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return getattr(exc, "id", "") in ("ValueError", "TypeError")
    return bool(body) and all(clear(s) for s in body)


def _check_lines(source: str) -> set[int]:
    lines = set()
    for node in ast.walk(ast.parse(source)):
        span = None
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                node.name.startswith(("check_", "_check")):
            span = (node.lineno, node.end_lineno)
        elif isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign, ast.Return)) and \
                _is_check_call(node):
            span = (node.lineno, node.end_lineno)
        elif isinstance(node, ast.If) and _raises_only(node.body) and not node.orelse:
            span = (node.lineno, node.end_lineno)
        if span:
            lines.update(range(span[0], span[1] + 1))
    return lines


def stats(rev: str | None = None) -> dict:
    package = _sources(rev, ("ntkviz",))
    tests = _sources(rev, ("tests", "tests_nt"))
    sizes = {name: source.count("\n") for name, source in package.items()}
    code = check = 0
    for source in package.values():
        lines = _code_lines(source)
        code += len(lines)
        check += len(_check_lines(source) & lines)
    largest = sorted(sizes.items(), key=lambda item: -item[1])
    return {"package_lines": sum(sizes.values()), "modules": len(sizes),
            "test_lines": sum(s.count("\n") for s in tests.values()),
            "largest": largest[:5], "over_400": [n for n, s in largest if s > 400],
            "code_lines": code, "check_lines": check, "check_share": check / code}


def main(argv: list[str]) -> int:
    rev = argv[0] if argv else None
    s = stats(rev)
    print(f"{rev or 'working tree'}: package {s['package_lines']} lines in {s['modules']} "
          f"modules; tests {s['test_lines']} lines; code lines {s['code_lines']}, of which "
          f"argument checks {s['check_lines']} ({100 * s['check_share']:.1f} %)")
    print("largest:", ", ".join(f"{n} ({k})" for n, k in s["largest"]))
    print(f"modules over 400 lines: {len(s['over_400'])}: {', '.join(s['over_400'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
