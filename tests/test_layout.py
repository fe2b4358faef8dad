"""The tree reads as the pipeline: only the shared modules sit at reviewer/'s root, and the model
files' modules import no circle (registry -> hf -> store)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "reviewer"
SHARED = {"__init__", "__main__", "config", "prompt", "sanitize", "logs", "errors", "types"}


def imported(path: Path, package: str) -> set[str]:
    """The modules a file imports, anywhere in it (a function's lazy import counts), resolved."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names.update(f"{module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_only_the_shared_modules_sit_at_the_root():
    assert {p.stem for p in ROOT.glob("*.py")} == SHARED
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    assert packages == {"app", "backends", "cli", "diff", "formats", "hosts", "measure", "review", "style", "triage"}


def test_the_model_files_import_no_circle():
    package = "reviewer.backends.modelfiles"
    graph = {p.stem: {m.rsplit(".", 1)[-1] for m in imported(p, package) if m.startswith(package + ".")}
             for p in (ROOT / "backends" / "modelfiles").glob("*.py")}
    assert graph["registry"] >= {"hf", "store"} and "registry" not in graph["hf"] | graph["store"]
