from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def sync_categories(sender: AppConfig, **kwargs: Any) -> None:
    """Keep the Category table in step with the taxonomy shipped in the code."""
    from paperwire.papers.models import Category
    from paperwire.papers.taxonomy import CATEGORIES

    using = kwargs.get("using", "default")
    existing = {c.code: c for c in Category.objects.using(using).all()}
    changed = []
    for code, (name, group) in CATEGORIES.items():
        category = existing.get(code)
        if category is None:
            Category.objects.using(using).create(code=code, name=name, group_name=group)
        elif (category.name, category.group_name) != (name, group):
            category.name, category.group_name = name, group
            changed.append(category)
    Category.objects.using(using).bulk_update(changed, ["name", "group_name"])


class PapersConfig(AppConfig):
    name = "paperwire.papers"
    label = "papers"

    def ready(self) -> None:
        from django.urls import register_converter

        from paperwire.inputs import IdConverter
        from paperwire.papers.converters import ArxivIdAsWritten, ArxivIdConverter

        register_converter(ArxivIdConverter, "arxiv")
        register_converter(ArxivIdAsWritten, "arxiv_as_written")
        register_converter(IdConverter, "id")
        post_migrate.connect(sync_categories, sender=self)
