"""Install the dbt packages that package-lock.yml pins, as `dbt deps` does.

`dbt deps` is tried first. Where it fails (the dbt package hub cannot be
reached, as on machines without internet access), each hub package of the lock
file is unpacked instead from a local mirror of its released tarball,
`<mirror>/<name>-<version>.tar.gz` (default mirror: ../shared/packages), into
dbt_packages/, and the script says so. It never downloads anything itself and
never installs a version other than the pinned one.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MIRROR = PROJECT_ROOT.parent / "shared" / "packages"


@dataclass(frozen=True)
class PinnedPackage:
    name: str
    version: str

    @property
    def tarball_name(self) -> str:
        return f"{self.name}-{self.version}.tar.gz"


def pinned_packages(lock_file: Path) -> list[PinnedPackage]:
    """The hub packages of a package-lock.yml (git/local packages are not mirrored)."""
    lock = yaml.safe_load(lock_file.read_text()) or {}
    pinned = []
    for entry in lock.get("packages") or []:
        if "package" not in entry:
            raise SystemExit(f"{lock_file}: only hub packages can be installed from a mirror, not {entry}")
        pinned.append(PinnedPackage(name=entry["name"], version=str(entry["version"])))
    return pinned


def install_from_mirror(package: PinnedPackage, mirror: Path, packages_dir: Path) -> Path:
    """Unpack `<mirror>/<name>-<version>.tar.gz` (top folder `<name>/`) into packages_dir."""
    tarball = mirror / package.tarball_name
    if not tarball.is_file():
        raise SystemExit(
            f"dbt deps failed and {tarball} does not exist: connect to the dbt package hub, "
            f"or put the released {package.tarball_name} there (or pass --mirror)."
        )
    target = packages_dir / package.name
    with tarfile.open(tarball) as archive:
        members = archive.getmembers()
        outside = [m.name for m in members if not (m.name == package.name or m.name.startswith(package.name + "/"))]
        if outside:
            raise SystemExit(f"{tarball}: expected one top folder {package.name}/, found {outside[:3]}")
        if target.exists():
            subprocess.run(["rm", "-rf", str(target)], check=True)
        packages_dir.mkdir(parents=True, exist_ok=True)
        archive.extractall(packages_dir, filter="data")
    return target


def run_dbt_deps(dbt: str, project_dir: Path) -> bool:
    result = subprocess.run([dbt, "deps", "--project-dir", str(project_dir)], capture_output=True, text=True)
    if result.returncode != 0:
        last_line = (result.stdout.strip().splitlines() or result.stderr.strip().splitlines() or [""])[-1]
        print(f"dbt deps failed (exit {result.returncode}): {last_line[:300]}", file=sys.stderr)
    return result.returncode == 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dbt", default=str(PROJECT_ROOT / ".venv" / "bin" / "dbt"), help="dbt executable")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_ROOT)
    parser.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR, help="folder of released package tarballs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if run_dbt_deps(args.dbt, args.project_dir):
        return 0
    for package in pinned_packages(args.project_dir / "package-lock.yml"):
        target = install_from_mirror(package, args.mirror, args.project_dir / "dbt_packages")
        print(f"installed {package.name} {package.version} from {args.mirror / package.tarball_name} into {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
