"""`plaudit dev`: embedded services, migrations, demo data, API + admin, worker, mail sink."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack

from cli.embedded import VAR, ensure_services


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _admin_password() -> str:
    """Stable across restarts of the same checkout, unique per checkout."""
    if os.environ.get("PLAUDIT_ADMIN_PASSWORD"):
        return os.environ["PLAUDIT_ADMIN_PASSWORD"]
    path = VAR / "dev-admin-password"
    if not path.exists():
        VAR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def _wait_http(url: str, timeout: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"The API process exited with code {proc.returncode}.")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 (loopback only)
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"The API did not answer on {url} within {timeout:.0f} s.")


def _stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_dev(args) -> None:
    for port, what in ((args.port, "API"), (args.smtp_port, "SMTP sink")):
        if not _port_free(port):
            raise SystemExit(f"Port {port} ({what}) is in use. Stop what uses it or pass "
                             f"--{'port' if what == 'API' else 'smtp-port'}.")

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    with ExitStack() as stack:
        started = ensure_services(stack)
        os.environ.setdefault("SMTP_HOST", "127.0.0.1")
        os.environ["SMTP_PORT"] = str(args.smtp_port)
        os.environ.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{args.port}")
        os.environ.setdefault("PLAUDIT_LOG_FORMAT", "text")  # a console for people, not a collector

        from cli.mailsink import start_sink

        sink = start_sink(VAR / "mail", port=args.smtp_port)
        stack.callback(sink.stop)

        from cli.setup import create_admin, migrate
        from models.demo import demo_site_token, seed_demo

        password = _admin_password()

        async def prepare():
            from models.core.database import close_pool, start_pool

            await migrate()
            await start_pool(min_size=1, max_size=4)
            try:
                demo = await seed_demo()
                await create_admin("admin", password, "admin@example.com")
                token_file = VAR / "dev-showcase-token"
                known = token_file.read_text().strip() if token_file.exists() else None
                demo["site_token"] = await demo_site_token(known)
                token_file.write_text(demo["site_token"])
                token_file.chmod(0o600)
            finally:
                await close_pool()
            return demo

        demo = asyncio.run(prepare())
        python = sys.executable
        api = subprocess.Popen([python, "-m", "cli.main", "serve", "--port", str(args.port),
                                "--log-level", "warning"])
        stack.callback(_stop, api)
        worker = subprocess.Popen([python, "-m", "cli.main", "worker"])
        stack.callback(_stop, worker)
        base = f"http://127.0.0.1:{args.port}"
        _wait_http(f"{base}/healthz", 60, api)

        services = "\n".join(f"    {k:<11} {v}" for k, v in started.items()) or "    (configured)"
        print(f"""
  Plaudit is running.{'  Demo data loaded.' if demo.get('created') else ''}

    GraphQL     {base}/graphql   (GraphiQL in a browser)
    Admin       {base}/admin/    login: admin / {password}
    Demo site   {base}/demo#token={demo['site_token']}
                (an example home page rendering the public showcase; curate quotes in the admin)
    Mail sink   smtp://127.0.0.1:{args.smtp_port}  — list received mail: plaudit mail
    Worker      running (outbox relay, sweeper, daily tenure milestones)
{services}

  Create a token in the admin (Access → Create API token), then:
    curl -s {base}/graphql -H 'Authorization: Bearer <secret>' \\
      -H 'Content-Type: application/json' \\
      -d '{{"query": "{{ customers(first: 3) {{ nodes {{ email company }} }} }}"}}'

  Ctrl-C stops everything.
""", flush=True)
        try:
            while api.poll() is None and worker.poll() is None:
                time.sleep(0.5)
            print("A child process exited; stopping.", file=sys.stderr)
        except KeyboardInterrupt:
            print("\nStopping Plaudit…", flush=True)
