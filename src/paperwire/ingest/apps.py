from django.apps import AppConfig
from django.db.models.signals import pre_migrate


class IngestConfig(AppConfig):
    name = "paperwire.ingest"
    label = "ingest"

    def ready(self) -> None:
        from paperwire.ingest.indexes import restore_before_migrate

        pre_migrate.connect(restore_before_migrate, sender=self, dispatch_uid="ingest_indexes")
