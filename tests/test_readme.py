"""The README's tour runs as written."""

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_readme_python_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks, "README has no python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out.split()
    assert len(printed) == 2 and all(0.0 <= float(v) < 5.0 for v in printed)


def test_readme_names_the_two_commands_first():
    first_code = README.index("```bash")
    assert "make dashboard" in README[first_code:first_code + 200]
    assert "make test" in README[first_code:first_code + 200]
    assert "docs/images/circle_explorer.png" in README
    assert (Path(__file__).resolve().parents[1] / "docs/images/circle_explorer.png").exists()
