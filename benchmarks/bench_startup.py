"""Start-up benchmark: what a project command costs from `python -m qualcode …` to its exit.

Builds the demo project (``qualcode demo --no-open``), then runs, in interleaved rounds so that
machine noise falls on all alike, each in a fresh interpreter:

- ``python -c pass`` and ``python -c "import textual"`` (the peers);
- ``qualcode status``, ``qualcode retrieve formalisation --format json``,
  ``qualcode export themes --by role --format csv`` and ``qualcode --help`` on the demo.

Each figure is the median wall-clock time and the median CPU time (user + system) of the child
process; CPU time is steadier on a shared machine. The goal (issue 23): ``status`` at most 0.3 s
and at most 3× ``import textual``. ``--importtime`` also prints the modules ``status`` loads, by
package, from ``python -X importtime``.

``--before DIR`` also runs each ``qualcode`` command from another checkout of qualcode (say the
main branch, ``git archive main | tar -x -C DIR``), in the same rounds, as rows marked "before".

    python benchmarks/bench_startup.py                 # prints a Markdown table
    python benchmarks/bench_startup.py --rounds 15 --importtime
    python benchmarks/bench_startup.py --rounds 11 --before /tmp/qualcode-main
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def demo(directory: Path) -> Path:
    path = directory / "rln.db"
    if not path.exists():
        print(f"building the demo project in {directory} …", file=sys.stderr)
        _qualcode(["demo", "--no-open", "--dir", str(directory)], directory)
    return path


def _env(root: Path = ROOT) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(root) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("QUALCODE_DB", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the untimed first run writes the byte-code caches
    return env


def _qualcode(args: list[str], cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "qualcode", *args], cwd=cwd, env=_env(), check=True, capture_output=True)


def timed(argv: list[str], cwd: Path, root: Path = ROOT) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one child process (qualcode imported from ``root``)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=_env(root), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode(errors='replace')}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def importtime(argv: list[str], cwd: Path) -> tuple[int, Counter[str]]:
    """Modules loaded and self import time (µs) per top-level package, from ``-X importtime``."""
    done = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]], cwd=cwd, env=_env(), capture_output=True, text=True, check=True
    )
    by_package: Counter[str] = Counter()
    modules = 0
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line.split(":", 1)[1].split("|")
        name = name.strip()
        parts = name.split(".")
        by_package[".".join(parts[:2]) if parts[0] == "qualcode" else parts[0]] += int(self_us)
        modules += 1
    return modules, by_package


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "qualcode-bench" / "demo")
    parser.add_argument("--importtime", action="store_true", help="also list what status imports, by package")
    parser.add_argument("--before", type=Path, help="another checkout: its qualcode commands run in the same rounds")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    db = str(demo(args.dir))
    out = args.dir / "themes.csv"
    py = sys.executable
    commands = {
        "python -c pass": [py, "-c", "pass"],
        "python -c 'import textual'": [py, "-c", "import textual"],
        "qualcode --help": [py, "-m", "qualcode", "--help"],
        "qualcode status": [py, "-m", "qualcode", "status", "--db", db],
        "qualcode retrieve formalisation --format json": [
            py,
            "-m",
            "qualcode",
            "retrieve",
            "formalisation",
            "--format",
            "json",
            "--db",
            db,
        ],
        "qualcode export themes --by role -o themes.csv": [
            py,
            "-m",
            "qualcode",
            "export",
            "themes",
            "--by",
            "role",
            "-o",
            str(out),
            "--db",
            db,
        ],
    }
    runs = {name: (argv, ROOT) for name, argv in commands.items()}
    if args.before is not None:
        before = args.before.resolve()
        for name, argv in commands.items():
            if name.startswith("qualcode"):
                runs[f"{name} (before)"] = (argv, before)
        runs = dict(sorted(runs.items(), key=lambda item: list(commands).index(item[0].removesuffix(" (before)"))))
    walls: dict[str, list[float]] = {name: [] for name in runs}
    cpus: dict[str, list[float]] = {name: [] for name in runs}
    load_before = os.getloadavg()[0]
    for argv, root in runs.values():  # once untimed: byte-code caches written, files in the page cache
        timed(argv, args.dir, root)
        out.unlink(missing_ok=True)
    for _ in range(args.rounds):
        for name, (argv, root) in runs.items():
            wall, cpu = timed(argv, args.dir, root)
            walls[name].append(wall)
            cpus[name].append(cpu)
            out.unlink(missing_ok=True)

    textual = statistics.median(walls["python -c 'import textual'"])
    textual_cpu = statistics.median(cpus["python -c 'import textual'"])
    load = os.getloadavg()[0]
    print(
        f"Start-up on {sys.platform}, Python {sys.version.split()[0]}; medians of {args.rounds} interleaved rounds "
        f"on the rln demo (load average {load_before:.1f} at the start, {load:.1f} at the end).\n"
    )
    print("| command | wall (s) | CPU (s) | wall / `import textual` | CPU / `import textual` |")
    print("|---|---:|---:|---:|---:|")
    for name in runs:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"| `{name}` | {wall:.3f} | {cpu:.3f} | {wall / textual:.2f} | {cpu / textual_cpu:.2f} |")
    if args.importtime:
        modules, by_package = importtime(commands["qualcode status"], args.dir)
        total = sum(by_package.values())
        print(f"\n`qualcode status`: {modules} modules, {total / 1e6:.3f} s of import time (-X importtime):\n")
        print("| package | import time (s) |")
        print("|---|---:|")
        for package, micros in by_package.most_common(12):
            print(f"| {package} | {micros / 1e6:.3f} |")


if __name__ == "__main__":
    main()
