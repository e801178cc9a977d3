import pytest

from filrouge.network.models import NetworkElement
from filrouge.network.services import add_element, subtree
from filrouge.network.tests.factories import AreaFactory


@pytest.mark.django_db
def test_subtree_holds_the_element_and_everything_below_it_only():
    area = AreaFactory()
    nro = add_element(kind=NetworkElement.Kind.NRO, code="NRO-PAR11", areas=[area])
    pm = add_element(kind=NetworkElement.Kind.PM, code="PM-001", parent=nro)
    cable = add_element(kind=NetworkElement.Kind.CABLE, code="CBL-001-A", parent=pm)
    other_pm = add_element(kind=NetworkElement.Kind.PM, code="PM-002", parent=nro)
    assert set(subtree(pm)) == {pm, cable}
    assert set(subtree(nro)) == {nro, pm, cable, other_pm}
    assert cable.path == f"/{nro.pk}/{pm.pk}/{cable.pk}/"
    assert list(nro.areas.all()) == [area]
