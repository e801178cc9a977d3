"""Writes on the network tree."""

from django.db import transaction

from filrouge.network.models import Area, NetworkElement


@transaction.atomic
def add_element(
    *,
    kind: str,
    code: str,
    name: str = "",
    parent: NetworkElement | None = None,
    areas: list[Area] | None = None,
) -> NetworkElement:
    """Create an element below `parent` and set its materialised path."""
    element = NetworkElement.objects.create(kind=kind, code=code, name=name, parent=parent)
    element.path = f"{parent.path if parent else '/'}{element.pk}/"
    element.save(update_fields=["path"])
    if areas:
        element.areas.set(areas)
    return element


def subtree(element: NetworkElement):
    """The element and every element below it, as a queryset."""
    return NetworkElement.objects.filter(path__startswith=element.path)
