from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from faktura.kit.schemas import RequestSchema, Schema


class TokenRequest(RequestSchema):
    api_key: str = Field(min_length=1, max_length=200)


class RefreshRequest(RequestSchema):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokenResponse(Schema):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


KeyScope = Literal["native", "farpay", "feewise", "frontpayment", "rehive", "all"]


class ApiKeyCreate(RequestSchema):
    name: str = Field("default", min_length=1, max_length=100, description="A label for the key")
    dialect: KeyScope = Field(
        "native",
        description="Where the key works: `native` (exchanged at `/api/v1/Auth/token`), one provider "
        "dialect (sent as that provider's credential, e.g. FarPay's `X-API-KEY`), or `all`",
    )


class ApiKeyOut(Schema):
    id: str
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart; the key is never stored")
    dialect: KeyScope = Field(validation_alias="scope")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    api_key: str = Field(description="The key itself, shown this once")


class ApiKeyList(Schema):
    data: list[ApiKeyOut]
