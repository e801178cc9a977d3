"""A small network over three communes, and incidents on it, for the status page's tests."""

from dataclasses import dataclass

from filrouge.incidents.models import Incident
from filrouge.incidents.services import declare_incident
from filrouge.network.models import Area, NetworkElement
from filrouge.network.services import add_element


@dataclass
class World:
    paris11: Area
    paris12: Area
    vincennes: Area
    nro: NetworkElement
    pm11: NetworkElement
    cable11: NetworkElement
    pm12: NetworkElement
    pm_vincennes: NetworkElement


def world() -> World:
    paris11 = Area.objects.create(
        postcode="75011", commune="Paris 11e Arrondissement", insee_code="75111"
    )
    paris12 = Area.objects.create(
        postcode="75012", commune="Paris 12e Arrondissement", insee_code="75112"
    )
    vincennes = Area.objects.create(postcode="94300", commune="Vincennes", insee_code="94080")
    nro = add_element(kind="nro", code="NRO-PAR-01", areas=[paris11, paris12])
    pm11 = add_element(kind="pm", code="PM-PAR11-004", parent=nro, areas=[paris11])
    cable11 = add_element(kind="cable", code="CAB-PAR11-004-2", parent=pm11, areas=[paris11])
    pm12 = add_element(kind="pm", code="PM-PAR12-001", parent=nro, areas=[paris12])
    pm_v = add_element(kind="pm", code="PM-VIN-001", areas=[vincennes])
    return World(paris11, paris12, vincennes, nro, pm11, cable11, pm12, pm_v)


def cut_in_paris11(w: World, **extra) -> Incident:
    return declare_incident(
        title="Coupure fibre rue Oberkampf",
        elements=[w.pm11],
        text="Un câble a été sectionné lors de travaux de voirie. Nos équipes sont sur place.",
        impact=extra.pop("impact", Incident.Impact.MAJOR),
        **extra,
    )
