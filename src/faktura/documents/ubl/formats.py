"""The UBL profiles Faktura writes and reads."""

from __future__ import annotations

from enum import StrEnum


class UblFormat(StrEnum):
    PEPPOL = "peppol"  # PEPPOL BIS Billing 3.0, which is Norwegian EHF Billing 3.0
    OIOUBL = "oioubl"  # Danish OIOUBL 2.1


MEDIA_TYPE = "application/xml"
