"""FeeWise's channel-partner API v3, served under `/feewise`: a partner's system keeps its client and
points its base URL here."""
