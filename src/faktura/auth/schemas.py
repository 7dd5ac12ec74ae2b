from __future__ import annotations

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
