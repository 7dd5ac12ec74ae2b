"""`faktura merchant` and `faktura demo`: the tenants."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from faktura.cli.output import JsonOption, emit, emit_json, one_line, run_in_transaction, say, table

merchant_app = typer.Typer(help="Merchants (tenants).", no_args_is_help=True)


@merchant_app.command("create")
def merchant_create(
    name: Annotated[str, typer.Option(help="The merchant's name.")],
    country: Annotated[str, typer.Option(help="ISO 3166 alpha-2 country.")] = "NO",
    organization_number: Annotated[str | None, typer.Option(help="Organisation number.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a merchant and its first API key (shown once)."""
    from faktura.merchants.service import create_merchant

    created = run_in_transaction(
        lambda s: create_merchant(s, name=name, country=country, organization_number=organization_number)
    )
    emit({"merchantId": created.merchant.id, "apiKey": created.api_key}, as_json)


@merchant_app.command("list")
def merchant_list(as_json: JsonOption = False) -> None:
    """List every merchant, oldest first."""
    from faktura.merchants import service as merchant_service

    async def work(session: Any) -> list[dict[str, Any]]:
        return [
            {
                "merchantId": m.id,
                "name": m.name,
                "country": m.country,
                "defaultCurrency": m.default_currency,
                "organizationNumber": m.organization_number,
                "createdAt": m.created_at.isoformat(),
            }
            for m in await merchant_service.every(session)
        ]

    merchants = run_in_transaction(work)
    if as_json:
        emit_json(merchants)
    elif not merchants:
        say("No merchants yet: `faktura merchant create --name NAME` makes one.")
    else:
        table(
            ("ID", "NAME", "COUNTRY", "CURRENCY", "ORGANISATION", "CREATED"),
            [
                (
                    m["merchantId"],
                    one_line(m["name"], 40),
                    m["country"],
                    m["defaultCurrency"],
                    m["organizationNumber"],
                    m["createdAt"][:19],
                )
                for m in merchants
            ],
        )


@merchant_app.command("show")
def merchant_show(
    merchant_id: Annotated[str, typer.Argument(metavar="ID", help="The merchant's id (mer_...).")],
    as_json: JsonOption = False,
) -> None:
    """Show a merchant's profile and invoice settings, as the API's GET /api/v1/Merchant does."""
    from faktura.merchants import profile

    async def work(session: Any) -> dict[str, Any]:
        shown = (await profile.get(session, merchant_id)).model_dump(mode="json", by_alias=True)
        return {"merchantId": shown.pop("id"), **shown}

    merchant = run_in_transaction(work)
    if not as_json:
        logo = merchant["invoiceSettings"].get("logo")
        if logo:
            merchant["invoiceSettings"]["logo"] = f"{logo.split(',', 1)[0]},... ({len(logo)} characters)"
    emit(merchant, as_json)


def demo(as_json: JsonOption = False) -> None:
    """Create a demo merchant when the database has none and print its API key once; later, its id."""
    from faktura.merchants import service as merchants
    from faktura.merchants.demo import DEMO_NAME, create_demo_merchant

    async def work(session: Any) -> dict[str, str | None] | None:
        existing = await merchants.oldest_named(session, DEMO_NAME)
        if existing is not None:
            return {"merchantId": existing.id, "apiKey": None}
        if await merchants.count(session):
            return None
        created = await create_demo_merchant(session)
        return {"merchantId": created.merchant.id, "apiKey": created.api_key}

    result = run_in_transaction(work)
    if result is None:
        say("Merchants exist already and none is the demo merchant; no demo merchant created.")
        return
    if result["apiKey"] is None:
        say(
            "The demo merchant exists already; its API key was shown when it was created. "
            f"`faktura apikey create --merchant {result['merchantId']}` makes another."
        )
        if as_json:
            emit_json(result)
        else:
            typer.echo(f"merchantId: {result['merchantId']}")
        return
    if not as_json:
        say("Demo merchant created. Keep this API key: it is not shown again.")
    emit(result, as_json)
