"""`faktura apikey`: a merchant's API keys."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from faktura.cli.output import JsonOption, emit, emit_json, run_in_transaction

apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)


@apikey_app.command("create")
def apikey_create(
    merchant: Annotated[str, typer.Option(help="The merchant's id.")],
    name: Annotated[str, typer.Option(help="A label for the key.")] = "default",
    dialect: Annotated[
        str,
        typer.Option(
            help="Where the key works: native (the default; exchanged for tokens), a provider dialect "
            "(farpay, feewise, frontpayment, rehive: sent as that provider's credential), or all."
        ),
    ] = "native",
    as_json: JsonOption = False,
) -> None:
    """Create another API key for a merchant (shown once; a Front Payment key with the merchant's
    Front Payment callback secret)."""
    from faktura.auth.scopes import admits
    from faktura.auth.service import create_api_key
    from faktura.kit.errors import ResourceNotFound
    from faktura.merchants import service as merchants

    async def work(session: Any) -> dict[str, str]:
        if await merchants.find(session, merchant) is None:
            raise ResourceNotFound("merchant", merchant)
        _, secret = await create_api_key(session, merchant, name, dialect)
        made = {"merchantId": merchant, "dialect": dialect, "apiKey": secret}
        if admits(dialect, "frontpayment"):
            # A key that works on Front Payment: what its callbacks' checksums end with (read again at
            # GET /api/v1/Merchant/callbackSecret).
            made["callbackSecret"] = await merchants.callback_secret(session, merchant)
        return made

    emit(run_in_transaction(work), as_json)


@apikey_app.command("list")
def apikey_list(
    merchant: Annotated[str, typer.Option(help="The merchant's id.")],
    as_json: JsonOption = False,
) -> None:
    """List a merchant's API keys (their prefixes; keys themselves are never stored)."""
    from faktura.auth.service import api_keys_of

    async def work(session: Any) -> list[dict[str, Any]]:
        return [
            {
                "id": k.id,
                "name": k.name,
                "prefix": k.prefix,
                "dialect": k.scope,
                "createdAt": k.created_at.isoformat(),
                "lastUsedAt": k.last_used_at.isoformat() if k.last_used_at else None,
                "revokedAt": k.revoked_at.isoformat() if k.revoked_at else None,
            }
            for k in await api_keys_of(session, merchant)
        ]

    keys = run_in_transaction(work)
    if as_json:
        emit_json(keys)
    else:
        for key in keys:
            state = f"revoked {key['revokedAt']}" if key["revokedAt"] else "active"
            typer.echo(f"{key['id']}  {key['prefix']}...  {key['name']}  {key['dialect']}  {state}")


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (key_...), from `apikey list`.")],
) -> None:
    """Revoke an API key and the refresh tokens made from it."""
    from faktura.auth.service import revoke_api_key

    key = run_in_transaction(lambda s: revoke_api_key(s, key_id))
    typer.echo(f"revoked {key.id} ({key.prefix}...)")
