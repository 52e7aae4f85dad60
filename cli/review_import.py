"""`plaudit import-reviews FILE --product SLUG`: parse, validate, import, with progress."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

CHUNK = 250


def _bar(done: int, total: int, width: int = 30) -> None:
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} reviews")
    sys.stderr.flush()


async def _import(data: bytes, product_slug: str, platform: str | None, skip_invalid: bool) -> int:
    from models.review_files import parse_reviews_csv

    from models.actors import SYSTEM
    from models.database import close_pool, start_pool
    from models.products import Product
    from models.review_intake import import_reviews

    parsed = parse_reviews_csv(data, platform)
    bad_lines = parsed.errors
    for error in bad_lines:
        print(f"line {error.line}: {error.field or 'row'}: {error.message}", file=sys.stderr)
    if bad_lines and not skip_invalid:
        print(f"{len(bad_lines)} problem(s); nothing imported (use --skip-invalid to import the "
              "rest).", file=sys.stderr)
        return 1
    await start_pool(1, 4)
    try:
        product = await Product.select(Product.id).where(Product.slug == product_slug).first()
        if product is None:
            print(f"No product with slug {product_slug!r}.", file=sys.stderr)
            return 1
        from piccolo_conf import DB

        created = duplicates = 0
        total = len(parsed.items)
        async with DB.transaction():  # all chunks or none
            for start in range(0, total, CHUNK):
                chunk = parsed.items[start:start + CHUNK]
                result = await import_reviews(SYSTEM, product["id"], [item for _, item in chunk],
                                              skip_invalid=skip_invalid, source="csv",
                                              lines=[line for line, _ in chunk])
                for error in result.errors + result.skipped:
                    print(f"\n{error.message}", file=sys.stderr)
                if result.errors:
                    raise _Abort
                created += result.count("CREATED")
                duplicates += result.count("DUPLICATE")
                _bar(min(start + CHUNK, total), total)
        sys.stderr.write("\n")
        print(f"{created} new, {duplicates} already known, "
              f"{len(bad_lines)} skipped ({parsed.platform_key} format).")
        return 0
    except _Abort:
        print("\nNothing imported.", file=sys.stderr)
        return 1
    finally:
        await close_pool()


class _Abort(Exception):
    """Rolls the whole file back when a chunk is refused."""


def run_import(path: Path, product_slug: str, platform: str | None, skip_invalid: bool) -> int:
    if not path.exists():
        print(f"No such file: {path}", file=sys.stderr)
        return 1
    return asyncio.run(_import(path.read_bytes(), product_slug, platform, skip_invalid))
