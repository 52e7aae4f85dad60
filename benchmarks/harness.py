"""What the benchmarks share: child processes (servers started and always stopped), the plaudit
CLI, HTTP probes, load generation (wrk, or an asyncio fallback) and its parsing, JSON diffs, and
the machine summary and summary rows every report starts with. Databases: bench_db.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class BenchError(SystemExit):
    def __init__(self, message: str):
        super().__init__(f"benchmark aborted: {message}")


def redis_reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plaudit_cli() -> str:
    for candidate in (Path(sys.executable).parent / "plaudit", REPO / ".venv" / "bin" / "plaudit"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("plaudit")
    if found:
        return found
    raise BenchError("the `plaudit` command was not found next to this Python or in .venv/bin.")


def run_cli(env: dict, *args: str) -> str:
    cmd = [plaudit_cli(), *args]
    log("$ plaudit " + " ".join(args))
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise BenchError(f"`plaudit {' '.join(args)}` failed ({proc.returncode}):\n"
                         f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return proc.stdout


@dataclass
class Child:
    name: str
    proc: subprocess.Popen
    log_path: Path

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


@dataclass
class Children:
    """Child processes, each in its own session; `stop_all` leaves none behind."""

    items: list[Child] = field(default_factory=list)

    def start(self, name: str, cmd: list[str], env: dict, log_dir: Path) -> Child:
        log_path = log_dir / f"{name}.log"
        out = open(log_path, "wb")  # noqa: SIM115  (closed with the process)
        try:
            proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            out.close()
        child = Child(name, proc, log_path)
        self.items.append(child)
        return child

    def stop_all(self) -> None:
        for child in reversed(self.items):
            stop_process(child.proc, child.name)
        self.items.clear()


def stop_process(proc: subprocess.Popen, name: str, grace: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    # SIGINT is uvicorn's graceful shutdown (lifespan shutdown closes the pools).
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(grace)
        return
    except subprocess.TimeoutExpired:
        log(f"{name} did not stop on SIGINT; killing its process group")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # it leads its own session / group
    proc.wait(5)


def http_post(url: str, token: str | None, body: str, timeout: float = 10) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # loopback only
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_ready(child: Child, url: str, token: str, body: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.proc.poll() is not None:
            raise BenchError(f"{child.name} exited with {child.proc.returncode}:\n{child.tail()}")
        try:
            status, _ = http_post(url, token, body, timeout=2)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"{child.name} was not ready after {timeout:.0f} s:\n{child.tail()}")


def first_difference(a, b, path: str = "$") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} {a!r:.80} != {type(b).__name__} {b!r:.80}"
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            diff = first_difference(a[k], b[k], f"{path}.{k}")
            if diff:
                return diff
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            diff = first_difference(x, y, f"{path}[{i}]")
            if diff:
                return diff
        return None
    return None if a == b else f"{path}: {a!r:.80} != {b!r:.80}"


@dataclass
class Result:
    target: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    bytes_per_request: float | None = None


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


_SIZE = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def _latency_ms(text: str, pct: str) -> float:
    m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.M)
    if not m:
        raise BenchError(f"no {pct}% latency in wrk output:\n{text}")
    return float(m.group(1)) * _UNITS_MS[m.group(2)]


def parse_wrk(target: str, text: str) -> Result:
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    total = re.search(r"^\s*(\d+) requests in [\d.]+\w+, ([\d.]+)(\w+) read", text, re.M)
    if not rps or not total:
        raise BenchError(f"could not parse wrk output:\n{text}")
    requests = int(total.group(1))
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if non2xx:
        errors += int(non2xx.group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if sock:
        errors += sum(int(g) for g in sock.groups())
    read_bytes = float(total.group(2)) * _SIZE.get(total.group(3), 1)
    return Result(target, float(rps.group(1)), _latency_ms(text, "50"), _latency_ms(text, "99"),
                  requests, errors, read_bytes / requests if requests else None)


def run_wrk(wrk: str, target: str, url: str, lua: Path, seconds: float, connections: int,
            threads: int) -> Result:
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
           "--timeout", "10s", "-s", str(lua), url]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if proc.returncode != 0:
        raise BenchError(f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    return parse_wrk(target, proc.stdout)


async def py_load(target: str, url: str, token: str, seconds: float, connections: int,
                  body_text: str) -> Result:
    """HTTP/1.1 keep-alive load from asyncio streams: bounded by `connections` and `seconds`."""
    parts = urlsplit(url)
    body = body_text.encode()
    request = (f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
               f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    latencies: list[float] = []
    errors = 0
    received = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal errors, received
        reader = writer = None
        try:
            while time.monotonic() < deadline:
                if writer is None:
                    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                start = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if length is None:
                    raise BenchError("the fallback load generator needs Content-Length")
                await reader.readexactly(int(length.group(1)))
                latencies.append(time.perf_counter() - start)
                received += len(head) + int(length.group(1))
                if status >= 300:
                    errors += 1
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            errors += 1
        finally:
            if writer is not None:
                writer.close()

    started = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(connections))),
                           timeout=seconds + 30)
    elapsed = time.monotonic() - started
    if not latencies:
        raise BenchError(f"no request to {target} succeeded")
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return Result(target, len(latencies) / elapsed, pct(0.50), pct(0.99), len(latencies), errors,
                  received / len(latencies))


WEB_PACKAGES = ("strawberry-graphql", "graphql-core", "litestar", "piccolo", "asyncpg", "uvicorn",
                "uvloop", "httptools", "msgspec")


def machine_summary(packages: tuple[str, ...] = WEB_PACKAGES, memory: bool = False) -> list[str]:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        nproc = str(len(os.sched_getaffinity(0)))
    mem = ""
    if memory:
        with contextlib.suppress(OSError, IndexError, ValueError):
            kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
            mem = f", {kb / 1024 / 1024:.1f} GiB RAM"
    from importlib import metadata

    versions = []
    for dist in packages:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{dist} {metadata.version(dist)}")
    return [
        f"Machine : nproc {nproc}, {model}{mem}, {platform.system()} {platform.release()}",
        f"Python  : {platform.python_version()} ({platform.python_implementation()}) "
        f"{sys.executable}",
        f"Packages: {', '.join(versions)}",
    ]


def write_rows(path: str, rows: list[tuple[str, str, str, str, str]]) -> None:
    """The summary rows (figure, Plaudit, reference, ratio, verdict) for benchmarks/run_all.py."""
    Path(path).write_text(json.dumps({"machine": machine_summary()[0], "rows": rows}))
