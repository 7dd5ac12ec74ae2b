"""The `faktura` command: serve, worker, db upgrade, merchant create, apikey create, demo."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from faktura.config import Settings, get_settings
from faktura.kit.db import Database
from faktura.kit.errors import FakturaError
from faktura.merchants.errors import MerchantNotFound

app = typer.Typer(
    help="Faktura: self-hosted billing and invoicing.", no_args_is_help=True, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
merchant_app = typer.Typer(help="Merchants (tenants).", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(merchant_app, name="merchant")
app.add_typer(apikey_app, name="apikey")

T = TypeVar("T")


def _run_in_transaction(work: Callable[[Any], Awaitable[T]], settings: Settings | None = None) -> T:
    settings = settings or get_settings()

    async def main() -> T:
        database = Database(settings.resolved_database_url, pool_size=1)
        try:
            async with database.transaction() as session:
                return await work(session)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except FakturaError as exc:
        typer.echo(json.dumps(exc.body()), err=True)
        raise typer.Exit(2) from exc


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
) -> None:
    """Run the API (and, on SQLite, the background worker in the same process)."""
    from faktura.migrate import ensure_schema_current
    from faktura.server import serve as run_server

    if "FAKTURA_PUBLIC_URL" not in os.environ:
        # Links the server hands out (payment pages, gateway callbacks) point at where it listens.
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 -- a comparison, not a bind
        os.environ["FAKTURA_PUBLIC_URL"] = f"http://{shown}:{port}"
    settings = get_settings()
    ensure_schema_current(settings)
    run_server(host, port, workers)


@app.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, max=256, help="Jobs run at once [default: FAKTURA_WORKER_CONCURRENCY, 4]."),
    ] = None,
) -> None:
    """Run background jobs until stopped (SIGTERM or Ctrl-C: jobs in hand finish first)."""
    from faktura.migrate import ensure_schema_current
    from faktura.worker.runner import run_worker

    settings = get_settings()
    ensure_schema_current(settings)
    asyncio.run(run_worker(settings, concurrency=concurrency or settings.worker_concurrency))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Migrate the database schema (creates the SQLite file when missing)."""
    from faktura.migrate import upgrade

    upgrade(get_settings(), revision)
    typer.echo(f"database at {revision}")


def _print(payload: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(payload))
    else:
        for key, value in payload.items():
            typer.echo(f"{key}: {value}")


@merchant_app.command("create")
def merchant_create(
    name: Annotated[str, typer.Option(help="The merchant's name.")],
    country: Annotated[str, typer.Option(help="ISO 3166 alpha-2 country.")] = "NO",
    organization_number: Annotated[str | None, typer.Option(help="Organisation number.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a merchant and its first API key (shown once)."""
    from faktura.merchants.service import create_merchant

    created = _run_in_transaction(
        lambda s: create_merchant(s, name=name, country=country, organization_number=organization_number)
    )
    _print({"merchantId": created.merchant.id, "apiKey": created.api_key}, as_json)


@apikey_app.command("create")
def apikey_create(
    merchant: Annotated[str, typer.Option(help="The merchant's id.")],
    name: Annotated[str, typer.Option(help="A label for the key.")] = "default",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create another API key for a merchant (shown once)."""
    from faktura.auth.service import create_api_key
    from faktura.merchants import repository

    async def work(session: Any) -> str:
        if await repository.get(session, merchant) is None:
            raise MerchantNotFound(merchant)
        _, secret = await create_api_key(session, merchant, name)
        return secret

    _print({"merchantId": merchant, "apiKey": _run_in_transaction(work)}, as_json)


@apikey_app.command("list")
def apikey_list(
    merchant: Annotated[str, typer.Option(help="The merchant's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List a merchant's API keys (their prefixes; keys themselves are never stored)."""
    from faktura.auth.repository import api_keys_of

    async def work(session: Any) -> list[dict[str, Any]]:
        return [
            {
                "id": k.id,
                "name": k.name,
                "prefix": k.prefix,
                "createdAt": k.created_at.isoformat(),
                "lastUsedAt": k.last_used_at.isoformat() if k.last_used_at else None,
                "revokedAt": k.revoked_at.isoformat() if k.revoked_at else None,
            }
            for k in await api_keys_of(session, merchant)
        ]

    keys = _run_in_transaction(work)
    if as_json:
        typer.echo(json.dumps(keys))
    else:
        for key in keys:
            state = f"revoked {key['revokedAt']}" if key["revokedAt"] else "active"
            typer.echo(f"{key['id']}  {key['prefix']}...  {key['name']}  {state}")


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (key_...), from `apikey list`.")],
) -> None:
    """Revoke an API key and the refresh tokens made from it."""
    from faktura.auth.service import revoke_api_key

    key = _run_in_transaction(lambda s: revoke_api_key(s, key_id))
    typer.echo(f"revoked {key.id} ({key.prefix}...)")


@app.command()
def demo(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Create a demo merchant when the database has none, and print its API key once."""
    from faktura.merchants import repository
    from faktura.merchants.service import create_merchant

    async def work(session: Any) -> dict[str, str] | None:
        if await repository.count(session):
            return None
        created = await create_merchant(session, name="Demo Merchant AS", country="NO")
        return {"merchantId": created.merchant.id, "apiKey": created.api_key}

    result = _run_in_transaction(work)
    if result is None:
        typer.echo("A merchant exists already; no demo merchant created.", err=True)
        return
    if not as_json:
        typer.echo("Demo merchant created. Keep this API key: it is not shown again.")
    _print(result, as_json)


def main() -> None:
    try:
        app(prog_name="faktura")
    except (ArgumentError, OperationalError) as exc:
        # A database URL that names no known driver, cannot be parsed, or reaches no server: one line
        # that says so, not a traceback.
        raise SystemExit(f"Cannot use the database at {_shown_url()}: {_first_line(exc)}") from exc


def _shown_url() -> str:
    url = get_settings().resolved_database_url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(url)


def _first_line(exc: Exception) -> str:
    text = str(exc.orig if isinstance(exc, OperationalError) else exc)
    return (text.strip().splitlines() or [type(exc).__name__])[0]


if __name__ == "__main__":
    main()
