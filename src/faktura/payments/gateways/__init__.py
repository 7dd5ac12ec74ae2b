"""The gateways a merchant can use, behind one interface (`base.Gateway`)."""

from __future__ import annotations

from functools import lru_cache

from faktura.config import Settings
from faktura.payments.errors import GatewayNotFound
from faktura.payments.gateways import invoice, manual, test
from faktura.payments.gateways.base import Gateway, GatewayInfo

GATEWAY_IDS = ("test", "manual", "invoice")
CARD_GATEWAY = "test"  # the gateway the payer's page takes cards with


@lru_cache(maxsize=8)
def _test_gateway(secret_key: str) -> test.TestGateway:
    return test.TestGateway(secret_key)


def get_test_gateway(settings: Settings) -> test.TestGateway:
    """The test gateway of this deployment (its secrets derive from the deployment's secret key)."""
    return _test_gateway(settings.resolved_secret_key)


def get_gateway(gateway_id: str, settings: Settings) -> Gateway:
    if gateway_id == "test":
        return get_test_gateway(settings)
    if gateway_id == "manual":
        return manual.ManualGateway()
    if gateway_id == "invoice":
        return invoice.InvoiceGateway()
    raise GatewayNotFound(gateway_id)


def all_gateways() -> list[GatewayInfo]:
    return [test.INFO, manual.INFO, invoice.INFO]


def gateway_info(gateway_id: str) -> GatewayInfo:
    for info in all_gateways():
        if info.id == gateway_id:
            return info
    raise GatewayNotFound(gateway_id)
