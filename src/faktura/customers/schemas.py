from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from faktura.kit.schemas import RequestSchema, Schema
from faktura.kit.text import TextLine
from faktura.models import Customer
from faktura.parties.schemas import Address, AddressIn

CustomerType = Literal["private", "corporate"]
Metadata = dict[str, str]


class CustomerCreate(RequestSchema):
    type: CustomerType
    name: TextLine = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=40)
    personal_number: str | None = Field(None, max_length=40)
    organization_number: str | None = Field(None, max_length=40)
    vat_number: str | None = Field(None, max_length=40)
    address: AddressIn | None = None
    preferred_language: str | None = Field(None, max_length=10, description="en, no, sv, da or de")
    external_id: str | None = Field(None, min_length=1, max_length=100)
    metadata: Metadata | None = Field(None, max_length=50)
    test_clock_id: str | None = Field(
        None, max_length=40, description="A test customer on this test clock (fixed once created)"
    )


class CustomerUpdate(RequestSchema):
    """PATCH: only the fields sent change; `null` clears an optional field."""

    type: CustomerType | None = None
    name: TextLine | None = Field(None, min_length=1, max_length=200)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=40)
    personal_number: str | None = Field(None, max_length=40)
    organization_number: str | None = Field(None, max_length=40)
    vat_number: str | None = Field(None, max_length=40)
    address: AddressIn | None = None
    preferred_language: str | None = Field(None, max_length=10)
    external_id: str | None = Field(None, min_length=1, max_length=100)
    metadata: Metadata | None = Field(None, max_length=50)


class CustomerOut(Schema):
    id: str
    type: CustomerType
    name: str
    email: str | None
    phone: str | None
    personal_number: str | None
    organization_number: str | None
    vat_number: str | None
    address: Address | None
    preferred_language: str
    external_id: str | None
    peppol_participant_id: str | None = Field(description="Derived from the organisation number")
    metadata: Metadata
    test_clock_id: str | None = Field(None, description="Set for a test customer: it lives on that clock")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: Customer) -> CustomerOut:
        return cls(
            id=c.id,
            type=c.type,
            name=c.name,
            email=c.email,
            phone=c.phone,
            personal_number=c.personal_number,
            organization_number=c.organization_number,
            vat_number=c.vat_number,
            address=Address(**c.address) if c.address else None,
            preferred_language=c.preferred_language,
            external_id=c.external_id,
            peppol_participant_id=c.peppol_participant,
            metadata=c.metadata_ or {},
            test_clock_id=c.test_clock_id,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
