"""Importing platform CSV exports end to end: every fixture, and the broken ones refused."""

from pathlib import Path

import pytest

from models.asking.tables import Task
from models.core.actors import SYSTEM
from models.reviews.intake import import_file
from models.reviews.reviews import Review

FIXTURES = Path(__file__).parent.parent / "fixtures" / "reviews"
VALID = sorted(p for p in FIXTURES.glob("*.csv") if not p.name.startswith("broken"))


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
async def test_each_platform_export_imports_and_routes(path, world):
    report = await import_file(SYSTEM, world["product"].id, path.read_bytes(),
                               default_platform="capterra")
    assert report.imported and report.problems == [] and report.created >= 3
    lanes = {r["lane"] for r in await Review.select(Review.lane)}
    assert lanes <= {"praise", "outreach", "improve"} and "praise" in lanes
    assert await Task.count().where(Task.kind == "thank_you") == report.created
    again = await import_file(SYSTEM, world["product"].id, path.read_bytes(),
                              default_platform="capterra")
    assert (again.created, again.duplicates) == (0, report.created)


async def test_a_broken_file_imports_nothing_and_names_its_lines(world):
    data = (FIXTURES / "broken_bad_rating.csv").read_bytes()
    report = await import_file(SYSTEM, world["product"].id, data)
    assert not report.imported and report.problems
    assert all(p.startswith("line ") for p in report.problems)
    assert await Review.count() == 0
    partial = await import_file(SYSTEM, world["product"].id, data, skip_invalid=True)
    assert partial.imported and partial.created > 0 and partial.problems == report.problems


async def test_the_cli_shows_progress_and_refuses_broken_files(world):
    import asyncio
    import os
    import sys

    async def run(*args):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli.main", "import-reviews", *args, "--product", "ledger",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=os.environ.copy())
        out, err = await proc.communicate()
        return proc.returncode, out.decode(), err.decode()

    code, out, err = await run(str(FIXTURES / "g2.csv"))
    assert code == 0 and "new, 0 already known" in out and "reviews" in err  # the bar
    code, out, err = await run(str(FIXTURES / "broken_duplicate_id.csv"))
    assert code == 1 and "nothing imported" in err and "line " in err
