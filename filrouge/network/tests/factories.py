import factory

from filrouge.network.models import Area, NetworkElement


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("postcode", "commune")

    postcode = "75011"
    commune = "Paris 11e Arrondissement"


class NetworkElementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkElement

    kind = NetworkElement.Kind.NRO
    code = factory.Sequence(lambda n: f"NRO-{n:04d}")
    path = factory.LazyAttribute(lambda o: "")
