"""Settings from the environment (`FAKTURA_*`), with an embedded default for everything."""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_FILE = "secret_key"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAKTURA_", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str | None = None
    # PostgreSQL through a transaction pooler (PgBouncer, pool_mode=transaction): database_url is the
    # pooler's address and the flag says so, which turns psycopg's prepared statements off (a statement
    # prepared on one server connection is missing on the next). database_direct_url reaches PostgreSQL
    # itself, for what holds a session: the worker's LISTEN and migrations. Unset, they use
    # database_url, and through a pooler the worker polls without LISTEN.
    database_transaction_pooler: bool = False
    database_direct_url: str | None = None
    secret_key: str | None = None
    jwt_issuer: str = "faktura"
    jwt_audience: str = "faktura-api"
    access_token_ttl: int = Field(900, ge=60, le=86_400)
    refresh_token_ttl: int = Field(30 * 86_400, ge=3_600)
    max_body_bytes: int = Field(1_048_576, ge=1_024)
    db_pool_size: int = Field(10, ge=1, le=200)
    idempotency_ttl: int = Field(86_400, ge=60)
    public_url: str = "http://127.0.0.1:8000"  # `serve` defaults it to the address it listens on
    embedded_worker: bool = True  # on SQLite, `serve` also runs the worker loop
    # Jobs and workers: a claimed job is a worker's for the lease, renewed while it runs; a worker that
    # dies holding one frees it when the lease runs out.
    job_lease_seconds: int = Field(60, ge=1, le=3_600)
    job_retention_days: int = Field(7, ge=1)  # done jobs are kept this long, then pruned
    dead_job_retention_days: int = Field(30, ge=1)
    worker_concurrency: int = Field(4, ge=1, le=256)  # jobs at once per worker process
    worker_poll_seconds: float = Field(0.2, gt=0, le=60)  # idle poll; NOTIFY wakes them sooner
    worker_grace_seconds: float = Field(30, ge=0)  # on SIGTERM, how long jobs in hand may take to finish
    worker_extra_tasks: str = ""  # comma-separated modules the worker imports to register more job kinds
    # Comma-separated job kinds (and periodic work) a worker takes; empty takes all. Lets webhooks have
    # workers of their own while others make the issued documents' files (`document.render`).
    worker_kinds: str = ""

    @property
    def worker_kind_set(self) -> frozenset[str] | None:
        kinds = frozenset(kind.strip() for kind in self.worker_kinds.split(",") if kind.strip())
        return kinds or None

    # Outbound webhooks may reach loopback and private networks only when the operator says so.
    allow_private_webhooks: bool = False
    # Invoice delivery (EHF, e-mail, post). Unset, each channel works locally under the data directory:
    # the PEPPOL directory is the file peppol/participants.txt, EHF documents, e-mails (.eml) and print
    # PDFs are written to outbox/ehf, outbox/email and outbox/print.
    smtp_url: str | None = None  # smtp://user:password@host:587 (STARTTLS when offered) or smtps://host:465
    mail_from: str = "invoices@faktura.localhost"  # the envelope sender; the merchant's name is shown
    peppol_directory: str | None = None  # a participants file, or an http(s) URL of an SMP lookup service
    access_point_url: str | None = None  # an access-point provider's HTTP API that takes UBL documents
    print_url: str | None = None  # a print provider's HTTP API that takes print-ready PDFs

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite+faktura:///{(self.data_dir / 'faktura.db').resolve()}"

    @cached_property
    def resolved_direct_database_url(self) -> str:
        """The URL for session-bound work: migrations, LISTEN, pg_dump."""
        if self.database_direct_url:
            return normalize_database_url(self.database_direct_url)
        return self.resolved_database_url

    @property
    def listen_url(self) -> str | None:
        """Where the worker LISTENs for new jobs; None when only a transaction pooler is configured,
        which would hand the LISTEN's session to other clients."""
        if self.database_transaction_pooler and not self.database_direct_url:
            return None
        return self.resolved_direct_database_url

    @cached_property
    def resolved_secret_key(self) -> str:
        """The configured key, else one generated once and kept in the data directory."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / SECRET_FILE
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        # O_EXCL: when two processes start at once, the first writer wins and the other reads its key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


def normalize_database_url(url: str) -> str:
    """Accept the URLs people paste (`postgres://`, `sqlite:///`) and pick the async drivers: psycopg 3,
    and for SQLite the service's own (`kit.sqlite`)."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    for prefix in ("sqlite://", "sqlite+aiosqlite://", "sqlite+pysqlite://"):
        if url.startswith(prefix):
            return "sqlite+faktura://" + url[len(prefix) :]
    return url


def get_settings() -> Settings:
    return Settings()
