"""Channel partners: platforms that act for the merchants linked to them, with keys of their own."""
