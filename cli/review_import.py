"""`plaudit import-reviews FILE --product SLUG`: a platform's CSV export, with a progress bar."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path


def _bar(done: int, total: int, width: int = 30) -> None:
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} reviews")
    sys.stderr.flush()


async def _import(data: bytes, product_slug: str, platform: str | None, skip_invalid: bool,
                  default_platform: str | None) -> int:
    from models.catalogue.products import Product
    from models.core.actors import SYSTEM
    from models.core.database import close_pool, start_pool
    from models.reviews.intake import import_file

    await start_pool(1, 4)
    try:
        product = await Product.select(Product.id).where(Product.slug == product_slug).first()
        if product is None:
            print(f"No product with slug {product_slug!r}.", file=sys.stderr)
            return 1
        report = await import_file(SYSTEM, product["id"], data, platform, skip_invalid=skip_invalid,
                                   default_platform=default_platform, progress=_bar)
    finally:
        await close_pool()
    sys.stderr.write("\n")
    for problem in report.problems:
        print(problem, file=sys.stderr)
    if not report.imported:
        print(f"{len(report.problems)} problem(s); nothing imported"
              f"{'' if skip_invalid else ' (use --skip-invalid to import the rest)'}.", file=sys.stderr)
        return 1
    print(f"{report.created} new, {report.duplicates} already known, {len(report.problems)} skipped "
          f"({report.platform_key} format).")
    return 0


def run_import(path: Path, product_slug: str, platform: str | None, skip_invalid: bool,
               default_platform: str | None = None) -> int:
    if not path.exists():
        print(f"No such file: {path}", file=sys.stderr)
        return 1
    return asyncio.run(_import(path.read_bytes(), product_slug, platform, skip_invalid,
                               default_platform))
