"""Architecture: the core never imports Streamlit, SQL runs only through cj.store, pages stay thin."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = sorted((ROOT / "cj").rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_streamlit():
    offenders = [p.name for p in CORE if "streamlit" in _imports(p)]
    assert offenders == []


def test_sql_runs_only_through_store():
    """Only cj/store.py calls DuckDB's execute/sql/register directly."""
    pattern = re.compile(r"\b(con|cur|conn|connection|duckdb)\.(execute|sql|query|register|read_csv|read_parquet)\(")
    offenders = []
    for p in CORE + sorted((ROOT / "pages").glob("*.py")) + [ROOT / "dashboard.py"]:
        if p.name == "store.py":
            continue
        for i, line in enumerate(p.read_text("utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{p.relative_to(ROOT)}:{i}: {line.strip()}")
    assert offenders == []


def test_pages_do_not_import_duckdb_or_sklearn():
    for p in sorted((ROOT / "pages").glob("*.py")):
        assert not ({"duckdb", "sklearn", "scipy"} & _imports(p)), p.name


def test_every_setting_is_documented():
    from cj import config

    readme = (ROOT / "README.md").read_text("utf-8")
    for s in config.SETTINGS:
        assert f"`{s.name}`" in readme, s.name


def test_heavy_modules_load_in_the_background_once_per_process():
    """dashboard.py calls common.warm_imports() at the end of every run: one background thread per server process
    imports scikit-learn and the analysis modules, so the first Segments visit does not wait for them; a
    page that starts meanwhile waits for it (wait_warm) rather than importing the same packages at once.
    (Seen to fail with the thread never started: sklearn stays unimported.)"""
    import subprocess
    import sys

    code = """
import sys, threading
from pages import common
assert 'sklearn' not in sys.modules
common.warm_imports(); common.warm_imports()
warm = [t for t in threading.enumerate() if t.name == 'cj-warm-imports']
assert len(warm) == 1, warm
common.wait_warm()
assert not warm[0].is_alive()
assert {'sklearn', *common.WARM_MODULES} <= set(sys.modules)
common.warm_imports()
assert not [t for t in threading.enumerate() if t.name == 'cj-warm-imports']
print('ok')
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]
