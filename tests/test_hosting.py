"""Hosting readiness: the app needs only requirements.txt, and keeps the README's security promises.

- every third-party module that core/ or dashboard/ imports is declared in requirements.txt
  (Streamlit Community Cloud installs that file and nothing else);
- every library module imports;
- a copy of the working tree (a clean clone, no .venv) starts with `bash scripts/app.sh`,
  which installs requirements.txt alone into a new .venv; in that environment every page
  runs without an exception and the dev tools are absent;
- the code has no file writes, no code execution, no disk-persisted or unbounded caches,
  and the Streamlit config keeps XSRF protection on.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from dashboard.navigation import PAGES
from tests.e2e import appdriver
from tests.share import APPTEST_TIMEOUT

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"core", "dashboard"}
SOURCES = sorted([*ROOT.glob("core/**/*.py"), *ROOT.glob("dashboard/**/*.py")])
SCRIPTS = {ROOT / "dashboard" / "app.py", *(p.path for p in PAGES)}  # run by streamlit
DEV_ONLY = ("pytest", "hypothesis", "playwright", "ruff")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_requirements() -> set[str]:
    names = set()
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(_normalize(re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0]))
    return names


def top_level_imports(path: Path) -> set[str]:
    """Absolute imports anywhere in the file (also inside functions), top-level names."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_sources_are_found() -> None:
    assert ROOT / "core" / "network.py" in SOURCES
    assert all(p.path in SOURCES for p in PAGES)


def test_every_third_party_import_is_declared_in_requirements_txt() -> None:
    declared = declared_requirements()
    assert {"streamlit", "numpy", "pandas", "plotly"} <= declared
    distributions = importlib.metadata.packages_distributions()
    undeclared = []
    for path in SOURCES:
        for module in sorted(top_level_imports(path)):
            if module in sys.stdlib_module_names or module in FIRST_PARTY:
                continue
            if module == "__future__":
                continue
            owners = {_normalize(d) for d in distributions.get(module, [module])}
            if not owners & declared:
                undeclared.append(f"{path.relative_to(ROOT)} imports {module} ({owners})")
    assert undeclared == [], "not in requirements.txt:\n" + "\n".join(undeclared)


def test_the_checker_sees_an_undeclared_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom yaml import safe_load\n\ndef f():\n    import scipy.stats\n")
    assert top_level_imports(sample) == {"os", "yaml", "scipy"}
    assert "scipy" not in declared_requirements()


@pytest.mark.parametrize(
    "module",
    [
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in SOURCES
        if p not in SCRIPTS
    ],
)
def test_every_library_module_imports(module: str) -> None:
    importlib.import_module(module)


def _calls(path: Path) -> list[ast.Call]:
    """Calls the app can reach: a command-line `main()` of a module run as
    `python -m core.x` is left out (the app never calls it, see the test below)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    has_main_guard = any(
        isinstance(n, ast.If) and ast.unparse(n.test) == "__name__ == '__main__'" for n in tree.body
    )
    skipped = set()
    for node in ast.walk(tree):
        if has_main_guard and isinstance(node, ast.FunctionDef) and node.name == "main":
            skipped.update(id(n) for n in ast.walk(node))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and id(n) not in skipped]


def _name(func: ast.expr) -> str:
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def test_no_file_writes_and_no_code_execution_in_the_app() -> None:
    """README's security section promises these; a new call site must be justified here."""
    forbidden_calls = {"eval", "exec", "compile", "__import__", "os.system", "pickle.loads"}
    forbidden_methods = {"write_text", "write_bytes", "to_pickle", "savefig", "write_image"}
    # The one justified exception: the server starts its own worker processes and talks
    # to them over their private pipes (README, Security); nothing else may.
    allowed = ("imports subprocess", "imports pickle", "pickle.loads()")
    found = []
    for path in SOURCES:
        imports = top_level_imports(path)
        for banned in ("subprocess", "pickle", "shelve", "marshal"):
            if banned in imports:
                found.append(f"{path.relative_to(ROOT)} imports {banned}")
        for call in _calls(path):
            name = _name(call.func)
            where = f"{path.relative_to(ROOT)}:{call.lineno} {name}()"
            if name in forbidden_calls or name.rsplit(".", 1)[-1] in forbidden_methods:
                found.append(where)
            if name == "open":
                mode = call.args[1] if len(call.args) > 1 else None
                mode = mode or next((k.value for k in call.keywords if k.arg == "mode"), None)
                if isinstance(mode, ast.Constant) and set(str(mode.value)) & set("wax+"):
                    found.append(where + " for writing")
            if name.endswith((".to_csv", ".to_json", ".to_excel", ".to_parquet")) and (
                call.args or any(k.arg in {"path_or_buf", "path"} for k in call.keywords)
            ):
                found.append(where + " to a file")  # to_csv() with no path returns a string
    workers = [f for f in found if f.startswith("dashboard/workers.py")]
    assert [f for f in found if f not in workers] == []
    assert [f for f in workers if not f.endswith(allowed)] == []
    # Where pickles are read: the worker's requests and cancels, the server's answers.
    assert len([f for f in workers if f.endswith("pickle.loads()")]) == 3


def test_the_app_never_calls_a_command_line_main() -> None:
    callers = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path in SOURCES
        if path.is_relative_to(ROOT / "dashboard")
        for call in _calls(path)
        if _name(call.func).rsplit(".", 1)[-1] == "main"
    ]
    assert callers == []


def test_caches_are_bounded_and_in_memory() -> None:
    """Every st.cache_data/st.cache_resource (and compute.cached, which wraps st.cache_data)
    has max_entries and never persists to disk."""
    unbounded = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                if _name(target).rsplit(".", 1)[-1] not in {
                    "cache_data",
                    "cache_resource",
                    "cached",
                }:
                    continue
                keywords = {k.arg for k in deco.keywords} if isinstance(deco, ast.Call) else set()
                where = f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
                if "max_entries" not in keywords:
                    unbounded.append(where + " has no max_entries")
                if "persist" in keywords:
                    unbounded.append(where + " persists to disk")
    assert unbounded == []


def test_requirements_txt_is_the_dependency_file_community_cloud_uses() -> None:
    """Cloud takes the first of uv.lock, Pipfile, environment.yml, requirements.txt,
    pyproject.toml, looking in the entrypoint's folder (dashboard/) before the root."""
    shadowing = [
        str(folder.relative_to(ROOT) / name)
        for folder, names in (
            (ROOT / "dashboard", ("uv.lock", "Pipfile", "environment.yml", "requirements.txt")),
            (ROOT, ("uv.lock", "Pipfile", "environment.yml", "environment.yaml")),
        )
        for name in names
        if (folder / name).exists()
    ]
    assert shadowing == [], "these would be installed instead of requirements.txt"
    assert (ROOT / "requirements.txt").is_file()
    assert not (ROOT / "dashboard" / ".streamlit").exists(), "Cloud reads only ./.streamlit"


def test_streamlit_config_keeps_protections_on() -> None:
    """Community Cloud reads .streamlit/config.toml at the repository root; so does the app."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server = config.get("server", {})
    assert server.get("enableXsrfProtection", True) is True
    assert server.get("enableCORS", True) is True
    assert server.get("maxUploadSize", 200) <= 1  # uploads: a CSV of points, 1 MB at most
    # a hosted app shows no exception messages or code to visitors ("full" is the default)
    assert str(config.get("client", {}).get("showErrorDetails", "full")).lower() in {
        "none",
        "type",
    }
    assert config.get("browser", {}).get("gatherUsageStats") is False
    assert (ROOT / "dashboard" / "app.py").is_file()  # the Community Cloud entrypoint


CLEAN_VENV_CHECK = textwrap.dedent(
    """
    import importlib.util, sys
    from streamlit.testing.v1 import AppTest
    dev = [m for m in {dev!r} if importlib.util.find_spec(m) is not None]
    assert not dev, f"dev tools in the runtime venv: {{dev}}"
    for page in {pages!r}:
        at = AppTest.from_file("dashboard/app.py", default_timeout={timeout})
        at.run()
        at.switch_page(f"app_pages/{{page}}")
        at.run()
        assert not at.exception, f"{{page}}: {{[e.value for e in at.exception]}}"
        print("ok", page)
    print(sys.version.split()[0])
    """
)


def _interpreter(version: str) -> str | None:
    """A working python<version>: on PATH, or installed by pyenv but not selected."""
    candidates = [shutil.which(f"python{version}"), f"/usr/bin/python{version}"]
    candidates += sorted(
        map(str, Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}"))
    )
    for candidate in filter(None, candidates):
        try:
            probe = subprocess.run(
                [candidate, "-c", "import sys, venv; print(sys.executable)"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except OSError:
            continue
        if probe.returncode == 0:
            return probe.stdout.strip()
    return None


# Python 3.11 is required; 3.12 is checked too where the machine has one.
PYTHONS = [p for p in map(_interpreter, ("3.11", "3.12")) if p]


def test_python_3_11_is_available() -> None:
    assert PYTHONS and "3.11" in PYTHONS[0]


@pytest.mark.parametrize("python", PYTHONS, ids=lambda p: Path(p).name)
def test_app_starts_from_a_clean_clone_with_requirements_txt_only(
    tmp_path: Path, python: str
) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    clone = tmp_path / "clone"
    for rel in filter(None, listed.split("\0")):
        src = ROOT / rel
        if src.is_file():
            (clone / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, clone / rel)
    assert not (clone / ".venv").exists()

    port = appdriver.free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "app.log"
    proc = subprocess.Popen(
        [
            "bash",
            str(clone / "scripts" / "app.sh"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=clone,
        stdin=subprocess.DEVNULL,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "PYTHON": python},  # scripts/_venv.sh reads PYTHON
    )
    try:
        try:
            appdriver.wait_healthy(base_url, proc, timeout=600)
        except (RuntimeError, TimeoutError) as exc:
            pytest.fail(f"{exc}\n{log_path.read_text(errors='replace')[-3000:]}")
        venv_python = clone / ".venv" / "bin" / "python"
        check = subprocess.run(
            [
                str(venv_python),
                "-c",
                CLEAN_VENV_CHECK.format(
                    dev=DEV_ONLY, pages=[p.file for p in PAGES], timeout=APPTEST_TIMEOUT
                ),
            ],
            cwd=clone,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert check.stdout.count("ok ") == len(PAGES)
    finally:
        appdriver.stop_app(proc)
