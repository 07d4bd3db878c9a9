"""Check the built distributions beyond what twine and check-wheel-contents see.

Usage: python .ci/check_dist.py DIST_DIR

- one pure wheel (py3-none-any) and one sdist, of the same version as
  ``hatchway.__version__`` in the source tree;
- the wheel holds ``py.typed`` and the runtime scripts, and the scripts keep
  their executable bits (Lambda runs ``exec-wrapper`` and ``bootstrap``
  directly, so a wheel that loses the bits breaks the streaming runtime);
- the sdist ships the whole test suite or none of it (it ships none: the suite
  needs the repository's examples/, docs/ and framework matrix).
"""

from __future__ import annotations

import ast
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXECUTABLES = ("hatchway/runtime/exec-wrapper", "hatchway/runtime/bootstrap")
REQUIRED = ("hatchway/py.typed", *EXECUTABLES)


def source_version() -> str:
    tree = ast.parse((ROOT / "src/hatchway/__init__.py").read_text())
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    raise SystemExit("src/hatchway/__init__.py defines no __version__")


def check_wheel(wheel: Path, version: str) -> list[str]:
    problems = []
    if wheel.name != f"hatchway-{version}-py3-none-any.whl":
        problems.append(f"{wheel.name}: expected hatchway-{version}-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        members = {info.filename: info for info in archive.infolist()}
    for name in REQUIRED:
        if name not in members:
            problems.append(f"{wheel.name}: {name} is missing")
    for name in EXECUTABLES:
        info = members.get(name)
        # The Unix mode sits in the high 16 bits of external_attr.
        if info is not None and not (info.external_attr >> 16) & 0o111:
            problems.append(f"{wheel.name}: {name} is not executable")
    return problems


def check_sdist(sdist: Path, version: str) -> list[str]:
    problems = []
    if sdist.name != f"hatchway-{version}.tar.gz":
        problems.append(f"{sdist.name}: expected hatchway-{version}.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    prefix = f"hatchway-{version}/"
    for name in ("LICENSE", "README.md", "pyproject.toml", "src/hatchway/__init__.py"):
        if prefix + name not in names:
            problems.append(f"{sdist.name}: {name} is missing")
    shipped_tests = [n for n in names if n.startswith(prefix + "tests/")]
    if shipped_tests:
        problems.append(
            f"{sdist.name}: ships part of the test suite ({len(shipped_tests)} entries under "
            "tests/), which cannot run without the repository; MANIFEST.in prunes tests/"
        )
    return problems


def main(dist_dir: str) -> int:
    dist = Path(dist_dir)
    version = source_version()
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        print(f"expected one wheel and one sdist in {dist}, found {wheels + sdists}")
        return 1
    problems = check_wheel(wheels[0], version) + check_sdist(sdists[0], version)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{wheels[0].name} and {sdists[0].name}: contents as expected")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    sys.exit(main(sys.argv[1]))
