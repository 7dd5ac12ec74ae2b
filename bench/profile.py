"""py-spy on the server's workers during one extra load run, and a summary of where their time went.

`python -m bench.profile FILE...` summarizes collapsed stacks (py-spy `--format raw`) recorded before.
Self time is the leaf frame's; inclusive time counts a sample once for every function on its stack.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import activity
from bench.load import command as load_command
from bench.service import Server

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_RATE = 200
TOP = 25
GRACE_SECONDS = 60.0
_LINE = re.compile(r"^(?P<stack>.*) (?P<count>\d+)$")
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^:()]*)(?::\d+)?\)$")


def _py_spy() -> str:
    found = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if found is None:
        raise RuntimeError("py-spy is not installed")
    return found


def profile_server(
    server: Server,
    dsn: str | None,
    spec: Path,
    connections: int,
    warmup: float,
    duration: float,
    out_dir: Path,
) -> None:
    """Load the server at `connections`; record each worker (and sample PostgreSQL) for the measured time."""
    out_dir.mkdir(parents=True, exist_ok=True)
    load = subprocess.Popen(
        load_command(spec, connections, warmup, duration),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    spies: list[subprocess.Popen[bytes]] = []
    try:
        time.sleep(warmup)
        spy_record = [_py_spy(), "record", "--duration", str(round(duration)), "--rate", str(SAMPLE_RATE)]
        # --gil: only the thread running Python, so idle helper threads and epoll waits are not counted.
        spy_record += ["--format", "raw", "--gil", "--nonblocking"]
        workers = server.worker_pids()
        outputs = [out_dir / f"worker-{i}.txt" for i in range(len(workers))]
        spies += [
            subprocess.Popen(
                [*spy_record, "--pid", str(pid), "--output", str(output)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for pid, output in zip(workers, outputs, strict=True)
        ]
        sessions = activity.sample(dsn, duration) if dsn else ""
        for spy in spies:
            spy.wait(duration + GRACE_SECONDS)
        stdout, _ = load.communicate(timeout=GRACE_SECONDS)
    finally:
        processes: list[subprocess.Popen[Any]] = [load, *spies]
        for process in processes:
            if process.poll() is None:
                process.kill()
    result = json.loads(stdout)
    summary = f"load while profiled: {result['rps']} req/s, p99 {result['p99_ms']} ms\n\n"
    summary += f"{sessions}\n{summarize(outputs)}" if sessions else summarize(outputs)
    (out_dir / "summary.txt").write_text(summary)
    print(summary, file=sys.stderr)


def _function(frame: str) -> tuple[str, str]:
    """(`function (path/module.py)`, top-level package) of a frame `function (path/module.py:line)`."""
    match = _FRAME.match(frame)
    if match is None:
        return frame, frame
    file = match["file"]
    for marker in ("site-packages/", "src/", "lib/python3."):
        if marker in file:
            file = file.split(marker, 1)[1]
            if marker == "lib/python3.":
                file = "stdlib/" + file.split("/", 1)[1]
    package = file.split("/", 2)[1] if file.startswith("stdlib/") else file.split("/", 1)[0]
    return f"{match['function']} ({file})", package.removesuffix(".py")


def _owner(frames: list[tuple[str, str]]) -> str:
    """Who a sample's time belongs to: the innermost faktura function on the stack.

    SQLAlchemy's async layer runs the ORM inside greenlets, whose stacks py-spy shows without the
    coroutine that awaits them; those samples go to the greenlet's first frame.
    """
    for function, package in reversed(frames):
        if package == "faktura":
            return function
    root, root_package = frames[0]
    if root_package == "sqlalchemy":
        return f"[greenlet] {root}"
    return f"[no faktura frame] {frames[-1][1]}"


def summarize(paths: list[Path]) -> str:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    own_package: Counter[str] = Counter()
    owners: Counter[str] = Counter()
    total = 0
    for path in paths:
        for line in path.read_text().splitlines():
            match = _LINE.match(line)
            if match is None:
                continue
            count = int(match["count"])
            frames = [_function(f) for f in match["stack"].split(";")]
            total += count
            leaf, package = frames[-1]
            own[leaf] += count
            own_package[package or "(native)"] += count
            owners[_owner(frames)] += count
            for function in {f for f, _ in frames}:
                inclusive[function] += count
    if total == 0:
        return "no samples\n"

    def table(title: str, counts: Counter[str], keep: str = "") -> list[str]:
        rows = [(n, name) for name, n in counts.most_common() if keep in name][:TOP]
        return [f"## {title}", *(f"{n / total:6.1%}  {name}" for n, name in rows), ""]

    lines = [f"{total} samples of the thread holding the GIL, from {len(paths)} worker(s)", ""]
    lines += table("Self time by package", own_package)
    lines += table("Time by owner: innermost faktura function (own code and the libraries it calls)", owners)
    lines += table("Self time by function", own)
    lines += table(
        "Inclusive time, faktura's own functions (greenlet work not included)", inclusive, "(faktura/"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("files", type=Path, nargs="+", help="py-spy raw (collapsed stack) files")
    print(summarize(parser.parse_args(argv).files))


if __name__ == "__main__":
    main()
