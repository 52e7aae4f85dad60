"""Database set-up shared by the CLI's commands and the dev launcher: migrations, admin users."""

from __future__ import annotations


async def migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from models.catalogue.known_platforms import seed_platforms

    result = await run_forwards(app_name="all")
    if not result.success:
        raise SystemExit(f"Migrations failed: {result.message}")
    # After every migration: the catalogue's rows carry every column the model has.
    await seed_platforms()


async def create_admin(username: str, password: str, email: str) -> str:
    from piccolo.apps.user.tables import BaseUser

    existing = await BaseUser.objects().get(BaseUser.username == username)
    if existing is not None:
        await BaseUser.update_password(existing.id, password)
        return "updated"
    await BaseUser.create_user(username=username, password=password, email=email, active=True,
                               admin=True, superuser=True)
    return "created"
