"""Django's PostgreSQL backend; its connection pool checks connections with `check_pooled_connection`.

Django builds the pool itself and always hands it its own check (an empty query on every
checkout, with `CONN_HEALTH_CHECKS`), and psycopg_pool takes a check only when it is built.
So the pool is taken as Django built it and given ours instead. Everything else is Django's.
"""

from __future__ import annotations

from django.db.backends.postgresql import base

from personai.db_pool import check_pooled_connection


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        pool = super().pool
        # Only where Django asked for a check at all (`CONN_HEALTH_CHECKS`).
        if pool is not None and pool._check is not None and pool._check is not check_pooled_connection:
            pool._check = check_pooled_connection
        return pool
