"""Django's PostgreSQL backend, with a cheaper check for pooled connections (see `base`)."""
