"""The README's Python API block, run as written: the notebook example stays true."""
from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_python_api_example_runs(tmp_path, monkeypatch, capsys):
    text = README.read_text(encoding="utf-8")
    section = text.split("## Python API (notebooks)", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - our own README
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("(16, 16, 1) ") and out[1].endswith("% True")  # decoded, with a calibrated confidence
    assert out[2].startswith("['toward 0', 'toward 1'")
    assert scope["edited"].shape == (16, 16, 1) and scope["session"].map.shape == (1797, 2)
    assert (tmp_path / "digits.lexp").stat().st_size > 10_000
