import pytest

from filrouge.accounts.tests.factories import AgentFactory
from filrouge.network.services import add_element


@pytest.fixture
def tree(db):
    nro = add_element(kind="nro", code="NRO-PAR11")
    pm = add_element(kind="pm", code="PM-PAR11-004", parent=nro)
    cable = add_element(kind="cable", code="CBL-PAR11-004-2", parent=pm)
    other = add_element(kind="pm", code="PM-PAR11-005", parent=nro)
    return nro, pm, cable, other


@pytest.fixture
def agent(db):
    return AgentFactory(first_name="Inès", last_name="Moreau")
