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


# getattr/hasattr with a literal name: allowed only on what the project does not own (the standard
# library's modules, the ``ast`` nodes of reviewed code, PyGithub's objects, llama_cpp's internals)
FOREIGN = {
    "backends/llama.py": {"llm"}, "backends/llama_prefix.py": {"llama_cpp"}, "backends/server_build.py": {"tarfile"},
    "backends/modelfiles/hf.py": {"errors", "exc", "getattr(exc, 'response', None)"},
    "hosts/github/source.py": {"f"}, "review/repo.py": {"node"},
}


def test_no_capability_is_found_by_probing():
    """Seams are named protocols checked with isinstance: no hasattr or getattr("name") on the
    project's own objects, and no __getattr__ forwarding whatever is asked."""
    found = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
                found.append(f"{rel}:{node.lineno} __getattr__")
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("getattr", "hasattr") and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)):
                continue
            target = ast.unparse(node.args[0]).replace('"', "'")
            if rel.startswith("review/passes/consequence/") or target in {"os"} | FOREIGN.get(rel, set()):
                continue
            found.append(f"{rel}:{node.lineno} {node.func.id}({target}, {node.args[1].value!r})")
    assert found == [], found


def test_tests_share_helpers_through_fakes_not_conftest():
    """conftest.py holds fixtures only; what tests import lives in tests/fakes/."""
    tests = ROOT.parent / "tests"
    importing = [p.name for p in tests.rglob("*.py") if "conftest" in imported(p, "tests")]
    assert importing == []


def test_the_floors_below_the_use_cases_do_not_import_them():
    """hosts, the review, style, diff, formats and backends never import app/ or cli/."""
    below = [p for d in ("hosts", "review", "style", "diff", "formats", "backends") for p in (ROOT / d).rglob("*.py")]
    upward = [f"{p.relative_to(ROOT)}: {m}" for p in below
              for m in imported(p, ".".join(("reviewer", *p.relative_to(ROOT).parts[:-1])))
              if m.startswith(("reviewer.app", "reviewer.cli"))]
    assert upward == []


def names_in_code(path: Path, name: str) -> bool:
    """Whether the module's code (not its docstrings or comments) names ``name``: a variable, an
    attribute, a keyword argument, a field, or a string equal to it."""
    for node in ast.walk(ast.parse(path.read_text())):
        if (isinstance(node, ast.Name) and node.id == name) or (isinstance(node, ast.Attribute) and node.attr == name) \
                or (isinstance(node, ast.keyword) and node.arg == name) \
                or (isinstance(node, ast.Constant) and node.value == name):
            return True
    return False


def test_a_setting_takes_a_short_way_from_its_flag_to_the_review():
    """min_severity, followed from its flag to the summary: the flag (cli/options), the setting
    (config), the review that applies it (review/pipeline); options are built from the settings
    by name (app/wiring names none of them). Elsewhere only the Action's input and the triage page
    (its own route to the summary) name it."""
    naming = {p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.py") if names_in_code(p, "min_severity")}
    assert naming == {"cli/options.py", "config.py", "review/pipeline.py", "hosts/github/action.py",
                      "cli/triage.py", "triage/board.py"}
    assert not names_in_code(ROOT / "app" / "wiring.py", "verify_threshold")


def module_graph() -> dict[str, set[str]]:
    """Each reviewer module -> the reviewer modules it imports when it is imported (module level;
    a function's lazy import and TYPE_CHECKING blocks do not count: they cannot make a circle)."""
    def name(p: Path) -> str:
        parts = list(p.relative_to(ROOT.parent).with_suffix("").parts)
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    modules = {name(p): p for p in ROOT.rglob("*.py")}
    graph = {}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        deps = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            for target in imported_by(node, package):
                if target in modules:
                    deps.add(target)
                elif target.rsplit(".", 1)[0] in modules:
                    deps.add(target.rsplit(".", 1)[0])
        graph[module] = deps - {module}
    return graph


def imported_by(node: ast.stmt, package: str) -> set[str]:
    if isinstance(node, ast.ImportFrom):
        base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
        module = ".".join(base + ([node.module] if node.module else []))
        return {f"{module}.{a.name}" for a in node.names}
    if isinstance(node, ast.Import):
        return {a.name for a in node.names}
    return set()


def test_no_import_circle_anywhere():
    graph = module_graph()
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: tuple[str, ...]) -> None:
        seen[module] = 1
        for dep in sorted(graph[module]):
            assert seen.get(dep) != 1, " -> ".join((*path, module, dep))
            if dep not in seen:
                visit(dep, (*path, module))
        seen[module] = 2

    for module in sorted(graph):
        if module not in seen:
            visit(module, ())
    assert len(graph) > 100
