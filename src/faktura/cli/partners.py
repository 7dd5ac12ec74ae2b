"""`faktura partner`: channel partners (an operator's credential for a platform acting for merchants).

A partner is known to its platform by a UUID (FeeWise's `X-CHANNEL-PARTNER-ID`), the same 128 bits as
its Faktura id (`ptn_...`); both forms are accepted. A merchant it is linked to is one of its firms,
whose FeeWise firm id is the merchant's id as a UUID.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from faktura.cli.output import JsonOption, emit, run_in_transaction

partner_app = typer.Typer(help="Channel partners (FeeWise's partner API).", no_args_is_help=True)


@partner_app.command("create")
def partner_create(
    name: Annotated[str, typer.Option(help="The partner's name.")],
    as_json: JsonOption = False,
) -> None:
    """Create a channel partner; its API key is shown this once."""
    from faktura.kit.ids import as_uuid
    from faktura.partners import service as partners

    async def work(session: Any) -> dict[str, str]:
        made = await partners.create(session, name)
        return {"partnerId": as_uuid(made.partner.id), "id": made.partner.id, "apiKey": made.api_key}

    emit(run_in_transaction(work), as_json)


@partner_app.command("link")
def partner_link(
    partner: Annotated[str, typer.Option(help="The partner's id (its UUID or ptn_...).")],
    merchant: Annotated[str, typer.Option(help="The merchant's id.")],
    as_json: JsonOption = False,
) -> None:
    """Let a partner act for a merchant, which becomes one of its firms (linking again changes nothing)."""
    from faktura.kit.errors import ResourceNotFound
    from faktura.kit.ids import as_uuid, from_uuid
    from faktura.merchants import service as merchants
    from faktura.partners import service as partners
    from faktura.partners.errors import PartnerNotFound

    async def work(session: Any) -> dict[str, str]:
        if await merchants.find(session, merchant) is None:
            raise ResourceNotFound("merchant", merchant)
        try:
            partner_id = partner if partner.startswith("ptn_") else from_uuid("ptn", partner)
        except ValueError:
            raise PartnerNotFound(partner) from None
        await partners.link(session, partner_id, merchant)
        return {"firmId": as_uuid(merchant), "merchantId": merchant, "partnerId": as_uuid(partner_id)}

    emit(run_in_transaction(work), as_json)
