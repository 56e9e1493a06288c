from django.apps import AppConfig
from django.db.backends.signals import connection_created


class OpsConfig(AppConfig):
    """Running Paperwire: the server command, the page cache's watch on writes, health."""

    name = "paperwire.ops"
    label = "ops"

    def ready(self) -> None:
        from paperwire.pagecache import notice_writes, watch_open_connections

        connection_created.connect(notice_writes, dispatch_uid="paperwire.pagecache")
        watch_open_connections()
