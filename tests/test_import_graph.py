"""The project's modules import one another without cycles, and the code that runs inside
the sandbox imports nothing of the host's tooling."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("course", "graders", "solutions", "grading_kernel")


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imports_of(path: Path, name: str, modules: dict) -> set[str]:
    """The project modules that `name` imports, anywhere in its code (deferred imports
    inside functions count: they form cycles too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {target for target in targets if target in modules and target != name}
    return found


def test_no_module_imports_one_that_imports_it_back():
    modules = project_modules()
    graph = {name: imports_of(path, name, modules) for name, path in modules.items()}
    assert "course.pipeline.grading" in graph and graph["course.pipeline.grading"], "the scan found no imports"

    def reaches(start, goal, seen):
        for nxt in graph[start] - seen:
            if nxt == goal or reaches(nxt, goal, seen | {nxt}):
                return True
        return False
    cycles = sorted((a, b) for a in graph for b in graph[a]
                    if not a.startswith(b + ".") and reaches(b, a, {b}))
    assert cycles == []


def test_sandboxed_code_does_not_import_the_hosts_tooling():
    """grading_kernel/, graders/ and solutions/ run inside the sandbox, which shows only
    them (course/steps/sandbox.py's visible_paths): none of them may need course/."""
    modules = project_modules()
    inside = [name for name in modules if name.split(".")[0] != "course"]
    needing_course = {name: sorted(target for target in imports_of(modules[name], name, modules)
                                   if target.split(".")[0] == "course") for name in inside}
    assert {name: targets for name, targets in needing_course.items() if targets} == {}


def test_the_nbgrader_steps_do_not_depend_on_the_class_grader():
    """course/steps/ is what plain nbgrader commands load: it must work without the class
    grader (course/pipeline/), which builds on it."""
    modules = project_modules()
    steps = [name for name in modules if name.startswith("course.steps")]
    assert steps
    uses = {name: sorted(t for t in imports_of(modules[name], name, modules)
                         if t.startswith("course.pipeline")) for name in steps}
    assert {name: targets for name, targets in uses.items() if targets} == {}
