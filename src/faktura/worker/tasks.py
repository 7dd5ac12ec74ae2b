"""Every module whose import registers job handlers, periodic work, or webhook formats; the worker loads
this one."""

from __future__ import annotations

import importlib

import faktura.dialects.farpay.webhooks
import faktura.dialects.feewise.events
import faktura.dialects.frontpayment.callbacks
import faktura.dialects.rehive.webhooks
import faktura.invoices.collective
import faktura.invoices.delivery.tasks
import faktura.invoices.document_tasks
import faktura.invoices.overdue
import faktura.payments.expiry
import faktura.subscriptions.clocks
import faktura.subscriptions.runs
import faktura.webhooks.tasks
import faktura.worker.gateways
import faktura.worker.maintenance
from faktura.config import Settings

MODULES = (
    faktura.dialects.farpay.webhooks,  # FarPay's webhook formats (`webhooks.formats`)
    faktura.dialects.feewise.events,  # FeeWise's webhook format
    faktura.dialects.frontpayment.callbacks,  # Front Payment's callback format
    faktura.dialects.rehive.webhooks,  # Rehive's invoice webhook format
    faktura.invoices.collective,
    faktura.invoices.delivery.tasks,
    faktura.invoices.document_tasks,
    faktura.invoices.overdue,
    faktura.payments.expiry,
    faktura.subscriptions.clocks,
    faktura.subscriptions.runs,
    faktura.webhooks.tasks,
    faktura.worker.gateways,
    faktura.worker.maintenance,
)


def load(settings: Settings) -> None:
    """Import the operator's extra task modules (FAKTURA_WORKER_EXTRA_TASKS) beside the built-in ones."""
    for name in settings.worker_extra_tasks.split(","):
        if name.strip():
            importlib.import_module(name.strip())
