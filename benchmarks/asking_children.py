"""The asking benchmark's child processes: running this benchmark's script as a child and reading
its RESULT line and peak RSS, and the SMTP sink (aiosmtpd, in its own process) with its control
channel."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from harness import BenchError, free_port, log

REPO = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve().parent / "asking.py"  # children run the benchmark's own entry
RESULT_PREFIX = "RESULT "


@dataclass
class ChildRun:
    result: dict
    max_rss_mb: float
    seconds: float


class Children:
    """Every process this run starts, each in its own session; `stop_all` leaves none behind."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def popen(self, name: str, cmd: list[str], env: dict, **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdin=subprocess.DEVNULL,
                                start_new_session=True, **kwargs)
        self.procs.append((name, proc))
        return proc

    def forget(self, proc: subprocess.Popen) -> None:
        self.procs = [(n, p) for n, p in self.procs if p is not proc]

    def stop_all(self) -> None:
        for name, proc in reversed(self.procs):
            stop_process(proc, name)
        self.procs.clear()


def stop_process(proc: subprocess.Popen, name: str, grace: float = 5.0) -> None:
    if proc.returncode is not None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
        return
    except subprocess.TimeoutExpired:
        log(f"{name} did not stop on SIGTERM; killing its process group")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(5)


def run_child(children: Children, name: str, args: list[str], env: dict, timeout: float,
              log_dir: Path) -> ChildRun:
    """Run this script with `args` in a child; its RESULT line, and its peak RSS (wait4)."""
    err_path = log_dir / f"{name}.log"
    started = time.perf_counter()
    proc = children.popen(name, [sys.executable, str(SCRIPT), *args], env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def copy_stderr() -> None:
        # Everything to the child's log; its progress lines to ours as well.
        with open(err_path, "wb") as err:
            for line in proc.stderr:
                err.write(line)
                if line.startswith(b"[bench] "):
                    sys.stderr.write(f"[bench] {name}: {line[8:].decode(errors='replace')}")
                    sys.stderr.flush()

    def kill() -> None:
        log(f"{name} still running after {timeout:.0f} s: killing it")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    copier = threading.Thread(target=copy_stderr, daemon=True)
    copier.start()
    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        out = proc.stdout.read().decode(errors="replace")
        proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        copier.join(10)
    finally:
        timer.cancel()
        children.forget(proc)
    seconds = time.perf_counter() - started
    lines = [line for line in out.splitlines() if line.startswith(RESULT_PREFIX)]
    if proc.returncode != 0 or not lines:
        tail = "\n".join(err_path.read_text(errors="replace").splitlines()[-40:])
        raise BenchError(f"{name} failed (exit {proc.returncode}, {seconds:.0f} s):\n{tail}")
    # Linux reports ru_maxrss in KiB.
    return ChildRun(json.loads(lines[-1][len(RESULT_PREFIX):]), usage.ru_maxrss / 1024, seconds)


def emit(result: dict) -> None:
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


def rss_mb(field_name: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def smtp_sink(port: int, control_port: int) -> None:
    """aiosmtpd on its own event loop (uvloop when installed) and CPU; it only counts messages
    and their Message-IDs (no parsing), so it stays well ahead of the senders."""
    from aiosmtpd.smtp import SMTP

    message_id = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
    state = {"count": 0, "bytes": 0, "ids": []}

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            content = envelope.original_content or envelope.content
            found = message_id.search(content)
            state["count"] += 1
            state["bytes"] += len(content)
            state["ids"].append(found.group(1).decode() if found else None)
            return "250 OK"

    async def control(reader, writer) -> None:
        command = (await reader.readline()).strip().decode()
        if command == "RESET":
            state.update(count=0, bytes=0, ids=[])
            reply = {"ok": True, "cpu": time.process_time()}
        else:
            reply = dict(state, cpu=time.process_time())
        writer.write(json.dumps(reply).encode() + b"\n")
        await writer.drain()
        writer.close()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        handler = Handler()
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="sink.bench.local", ident="bench sink", loop=loop),
            "127.0.0.1", port, backlog=512)
        ctl = await asyncio.start_server(control, "127.0.0.1", control_port)
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        print("READY", flush=True)
        await stop.wait()
        server.close()
        ctl.close()

    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())


class SinkControl:
    def __init__(self, port: int) -> None:
        self.port = port

    async def _ask(self, command: str) -> dict:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(command.encode() + b"\n")
        await writer.drain()
        reply = json.loads(await reader.read())  # the sink closes after its one reply
        writer.close()
        return reply

    async def reset(self) -> float:
        return (await self._ask("RESET"))["cpu"]

    async def stats(self) -> dict:
        return await self._ask("STATS")


def start_sink(children: Children, env: dict, log_dir: Path) -> tuple[int, int]:
    port, control_port = free_port(), free_port()
    while control_port == port:
        control_port = free_port()
    with open(log_dir / "smtp-sink.log", "wb") as err:
        proc = children.popen("smtp-sink", [sys.executable, str(SCRIPT),
                                            "--smtp-sink", "--port", str(port),
                                            "--control-port", str(control_port)],
                              env, stdout=subprocess.PIPE, stderr=err)
    ready = threading.Event()
    threading.Thread(target=lambda: (proc.stdout.readline(), ready.set()), daemon=True).start()
    if not ready.wait(20) or proc.poll() is not None:
        tail = (log_dir / "smtp-sink.log").read_text(errors="replace")[-2000:]
        raise BenchError(f"the SMTP sink did not start:\n{tail}")
    return port, control_port
