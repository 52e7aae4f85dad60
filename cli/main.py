"""`plaudit` — one entry point for running, operating and trying Plaudit."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from cli.setup import create_admin, migrate


def _with_db(coro_factory):
    """Run a coroutine against the configured database, with a small pool."""

    async def runner():
        from models.core.database import close_pool, start_pool

        await start_pool(min_size=1, max_size=4)
        try:
            return await coro_factory()
        finally:
            await close_pool()

    return asyncio.run(runner())


def cmd_serve(args) -> None:
    import uvicorn

    import settings
    from ops.logs import configure

    configure(args.log_level, json_lines=settings.SETTINGS.log_format == "json")
    os.environ["PLAUDIT_LOG_LEVEL"] = args.log_level.upper()  # api/asgi.py (each uvicorn worker)
    # log_config=None keeps ours; Plaudit writes its own access line (without link tokens).
    uvicorn.run("api.asgi:app", host=args.host, port=args.port, workers=args.workers,
                log_level=args.log_level, proxy_headers=True,
                forwarded_allow_ips=settings.SETTINGS.trusted_proxies, log_config=None,
                access_log=False)


def cmd_worker(args) -> None:
    from arq.worker import Worker

    import settings
    from jobs.worker import worker_settings
    from ops.logs import configure

    configure("DEBUG" if args.verbose else "INFO", json_lines=settings.SETTINGS.log_format == "json")
    Worker(**worker_settings(burst=args.burst)).run()


def cmd_mail_in(args) -> None:
    import settings
    from api.mail.inbound import serve
    from models.core.database import close_pool, start_pool
    from ops.logs import configure

    if not settings.SETTINGS.bounce_address:
        raise SystemExit("Set PLAUDIT_BOUNCE_ADDRESS (the envelope sender of every ask) first.")
    configure("INFO", json_lines=settings.SETTINGS.log_format == "json")

    async def main() -> None:
        await start_pool(min_size=1, max_size=3)
        server = await serve(settings.SETTINGS.bounce_address, args.host, args.port)
        print(f"Receiving reports for {settings.SETTINGS.bounce_address} on {args.host}:{args.port}",
              flush=True)
        try:
            await server.serve_forever()
        finally:
            await close_pool()

    asyncio.run(main())


def cmd_trust_document(args) -> None:
    """Register GraphQL documents (files) as trusted; prints each one's sha256Hash."""
    from pathlib import Path

    from api.graphql.schema import schema
    from api.graphql.trusted import register_document
    from models.core.actors import SYSTEM

    texts = [(path, Path(path).read_text(encoding="utf-8")) for path in args.files]

    async def run():
        return [(path, await register_document(SYSTEM, text, args.name or Path(path).stem, schema._schema))
                for path, text in texts]

    failed = False
    for path, outcome in _with_db(run):
        if outcome.ok:
            print(f"{outcome.value.sha256}  {path}")
        else:
            failed = True
            print(f"{path}: " + "; ".join(e.message for e in outcome.errors), file=sys.stderr)
    if failed:
        raise SystemExit(1)


def cmd_migrate(args) -> None:
    asyncio.run(migrate())


def cmd_create_admin(args) -> None:
    password = args.password or os.environ.get("PLAUDIT_ADMIN_PASSWORD")
    if not password:
        import getpass

        password = getpass.getpass("Password: ")
    print(f"Admin {args.username!r} {_with_db(lambda: create_admin(args.username, password, args.email))}.")


def cmd_create_token(args) -> None:
    from models.access.tokens import create_token
    from models.catalogue.products import Product
    from models.core.actors import SYSTEM

    async def run():
        product_id = None
        if args.product:
            row = await Product.select(Product.id).where(Product.slug == args.product).first()
            if row is None:
                raise SystemExit(f"No product with slug {args.product!r}.")
            product_id = row["id"]
        return await create_token(SYSTEM, args.name, args.scopes.split(","), product_id)

    outcome = _with_db(run)
    if not outcome.ok:
        raise SystemExit("; ".join(e.message for e in outcome.errors))
    issued = outcome.value
    if args.json:
        import json

        print(json.dumps({"secret": issued.secret, "signingSecret": issued.signing_secret,
                          "prefix": issued.token.prefix, "id": issued.token.id}))
        return
    # The secret alone on stdout (TOKEN=$(plaudit create-token …) keeps working); the webhook
    # signing key on stderr, shown this once as well.
    print(issued.secret)
    print(f"Webhook signing secret (HMAC-SHA256 key for X-Plaudit-Signature; shown once): "
          f"{issued.signing_secret}", file=sys.stderr)


def cmd_seed_demo(args) -> None:
    from models.demo import seed_demo

    result = _with_db(lambda: seed_demo(customers_per_product=args.customers // 2))
    print("Demo data created." if result["created"] else "Demo data already present.", result)


def cmd_mail(args) -> None:
    from cli.embedded import VAR
    from cli.mailsink import list_messages

    for msg in list_messages(VAR / "mail"):
        print(f"{msg['date']:<32} {msg['to']:<36} {msg['subject']}")


def cmd_import_reviews(args) -> None:
    from pathlib import Path

    from cli.review_import import run_import

    raise SystemExit(run_import(Path(args.file), args.product, args.format, args.skip_invalid,
                                args.default_platform))


def cmd_demo_reviews(args) -> None:
    from pathlib import Path

    from models.demo import demo_reviews_csv

    Path(args.output).write_text(_with_db(lambda: demo_reviews_csv(count=args.count)))
    print(f"Wrote {args.output}: import it with the admin's 'Import reviews (CSV)' form or "
          f"`plaudit import-reviews {args.output} --product acme-ledger`.")


def cmd_export_schema(args) -> None:
    from pathlib import Path

    from api.graphql.schema import schema

    Path(args.output).write_text(schema.as_str() + "\n")
    print(f"Wrote {args.output}.")


def cmd_dev(args) -> None:
    from cli.dev import run_dev

    run_dev(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plaudit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="Run the API and admin (uvicorn).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("PLAUDIT_PORT", "8000")))
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="Run the arq worker (jobs, outbox sweeper, crons).")
    p.add_argument("--burst", action="store_true", help="Exit when the queue is empty.")
    p.add_argument("--verbose", action="store_true", help="Log every job, not only problems.")
    p.set_defaults(func=cmd_worker)

    sub.add_parser("migrate", help="Apply database migrations.").set_defaults(func=cmd_migrate)
    p = sub.add_parser("mail-in", help="Receive bounce and complaint reports (SMTP) at the bounce address.")
    p.add_argument("--host", default="0.0.0.0")  # noqa: S104 (an MX listens on the network)
    p.add_argument("--port", type=int, default=2525)
    p.set_defaults(func=cmd_mail_in)

    p = sub.add_parser("create-admin", help="Create (or reset) an admin console user.")
    p.add_argument("--username", default="admin")
    p.add_argument("--password", help="Default: $PLAUDIT_ADMIN_PASSWORD, else prompt.")
    p.add_argument("--email", default="admin@example.com")
    p.set_defaults(func=cmd_create_admin)

    p = sub.add_parser("create-token", help="Create an API token; prints the secret once.")
    p.add_argument("--name", required=True)
    p.add_argument("--scopes", required=True, help="Comma-separated, e.g. customers:read")
    p.add_argument("--product", help="Limit to one product (slug).")
    p.add_argument("--json", action="store_true",
                   help="Print the secret and the webhook signing secret as JSON.")
    p.set_defaults(func=cmd_create_token)

    p = sub.add_parser("trust-document", help="Register GraphQL documents clients may send by hash.")
    p.add_argument("files", nargs="+", help="Files holding one GraphQL document each.")
    p.add_argument("--name", help="A name for them (default: each file's name).")
    p.set_defaults(func=cmd_trust_document)

    p = sub.add_parser("seed-demo", help="Load the demo data set (idempotent).")
    p.add_argument("--customers", type=int, default=1000)
    p.set_defaults(func=cmd_seed_demo)

    sub.add_parser("mail", help="List mail received by the dev SMTP sink.").set_defaults(
        func=cmd_mail)

    p = sub.add_parser("import-reviews", help="Import a review export (CSV) for a product.")
    p.add_argument("file")
    p.add_argument("--product", required=True, help="Product slug.")
    p.add_argument("--format", help="Export format (a platform key, or plaudit for the generic "
                                    "format); detected from the header when omitted.")
    p.add_argument("--default-platform", help="Generic format: platform of rows that name none.")
    p.add_argument("--skip-invalid", action="store_true",
                   help="Import the good rows and report the bad ones (default: all or nothing).")
    p.set_defaults(func=cmd_import_reviews)

    p = sub.add_parser("demo-reviews", help="Write a CSV of mixed reviews by demo customers.")
    p.add_argument("--output", default="demo-reviews.csv")
    p.add_argument("--count", type=int, default=14)
    p.set_defaults(func=cmd_demo_reviews)

    p = sub.add_parser("export-schema", help="Write the GraphQL SDL (schema.graphql).")
    p.add_argument("--output", default="schema.graphql")
    p.set_defaults(func=cmd_export_schema)

    p = sub.add_parser("dev", help="Everything at once for a first run (embedded services).")
    p.add_argument("--port", type=int, default=int(os.environ.get("PLAUDIT_PORT", "8000")))
    p.add_argument("--smtp-port", type=int, default=int(os.environ.get("SMTP_PORT", "8025")))
    p.set_defaults(func=cmd_dev)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command not in ("dev", "mail", "export-schema"):
        # Everything else talks to configured services; make the error readable.
        import settings

        if args.command != "worker" and not settings.SETTINGS.database_url:
            raise SystemExit(
                "DATABASE_URL is not set. Point it at PostgreSQL, or run `plaudit dev`, which "
                "starts embedded PostgreSQL and Valkey.")
    args.func(args)


if __name__ == "__main__":
    main(sys.argv[1:])

