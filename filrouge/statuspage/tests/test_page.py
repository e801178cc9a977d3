"""The public page and its feed: incidents by commune, lookup, summary.json, the fast path."""

import json
from datetime import timedelta

import pytest
from django.test import Client

from filrouge.core.clock import now
from filrouge.incidents.models import Incident
from filrouge.incidents.services import declare_incident, post_update
from filrouge.statuspage import fastpath, snapshot
from filrouge.statuspage.tests.helpers import cut_in_paris11, world

pytestmark = pytest.mark.django_db


def test_a_quiet_network_says_so_and_lists_every_commune():
    world()
    page = Client().get("/etat-du-reseau/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Aucun incident en cours" in text
    assert "Vincennes" in text
    assert "94300" in text
    assert page["Cache-Control"] == f"public, max-age={fastpath.MAX_AGE}"


def test_an_incident_shows_with_its_communes_and_its_timeline_newest_first():
    w = world()
    incident = cut_in_paris11(w)
    post_update(incident, text="Le câble est en cours de remplacement.", status="identified")
    text = Client().get("/etat-du-reseau/").content.decode()
    assert "Coupure fibre rue Oberkampf" in text
    assert text.index("Le câble est en cours de remplacement.") < text.index(
        "Un câble a été sectionné"
    )
    affected = text[text.index('id="touched"') : text.index('id="current"')]
    assert "Paris 11e Arrondissement" in affected
    assert "Vincennes" not in affected
    assert "Paris 12e" not in affected
    assert "Coupure partielle" in affected  # the commune's status, in words, not colour only


def test_the_english_alias_serves_the_same_page():
    w = world()
    cut_in_paris11(w)
    fr, alias = Client().get("/etat-du-reseau/"), Client().get("/status/")
    assert alias.status_code == 200
    assert alias.content == fr.content
    english = Client().get("/status/?lang=en").content.decode()
    assert "Network status" in english
    assert "Coupure fibre rue Oberkampf" in english


def test_lookup_by_postcode_or_commune_name_however_typed():
    w = world()
    cut_in_paris11(w)
    by_code = Client().get("/etat-du-reseau/recherche/", {"q": "75011"})
    assert by_code.status_code == 200
    assert "Coupure fibre rue Oberkampf" in by_code.content.decode()
    by_name = Client().get("/etat-du-reseau/recherche/", {"q": "  vincennes "}).content.decode()
    assert "Vincennes" in by_name
    assert "Aucun incident ni travaux en cours ici" in by_name


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("99999", "Nous ne connaissons aucune commune ayant le code postal « 99999 »"),
        ("Trifouillis", "Nous ne connaissons aucune commune nommée « Trifouillis »"),
    ],
)
def test_an_unknown_postcode_or_commune_gets_a_clear_french_answer(query, message):
    world()
    response = Client().get("/etat-du-reseau/recherche/", {"q": query})
    assert response.status_code == 404
    assert message in response.content.decode()


def test_summary_json_has_statuspage_s_shape_and_values():
    w = world()
    incident = cut_in_paris11(w, impact=Incident.Impact.CRITICAL)
    post_update(
        incident, text="Réparation en cours.", status="identified", eta=now() + timedelta(hours=4)
    )
    declare_incident(
        title="Maintenance du NRO",
        elements=[w.pm12],
        text="Coupures de quelques minutes entre 2 h et 4 h.",
        kind=Incident.Kind.MAINTENANCE,
        impact=Incident.Impact.MINOR,
        scheduled_until=now() + timedelta(hours=6),
    )
    response = Client().get("/etat-du-reseau/summary.json")
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.content)
    assert set(data) == {"page", "status", "components", "incidents", "scheduled_maintenances"}
    assert set(data["page"]) == {"id", "name", "url", "time_zone", "updated_at"}
    assert data["page"]["time_zone"] == "Europe/Paris"
    assert data["page"]["url"].endswith("/etat-du-reseau/")
    assert data["status"]["indicator"] == "critical"
    components = {c["name"]: c for c in data["components"]}
    assert components["Paris 11e Arrondissement"]["status"] == "major_outage"
    assert components["Vincennes"]["status"] == "operational"
    assert components["Paris 12e Arrondissement"]["status"] == "operational"  # works not started
    assert components["Vincennes"]["id"] == "commune-94080"
    (inc,) = data["incidents"]
    assert (inc["id"], inc["status"], inc["impact"]) == (
        incident.reference,
        "identified",
        "critical",
    )
    assert [u["body"] for u in inc["incident_updates"]] == [
        "Réparation en cours.",
        "Un câble a été sectionné lors de travaux de voirie. Nos équipes sont sur place.",
    ]
    assert inc["incident_updates"][0]["status"] == "identified"
    assert inc["created_at"].endswith("Z")
    assert [c["id"] for c in inc["components"]] == ["commune-75111"]
    (works,) = data["scheduled_maintenances"]
    assert works["status"] == "scheduled"
    assert works["scheduled_until"].endswith("Z")


def test_works_in_progress_put_the_commune_under_maintenance():
    w = world()
    works = declare_incident(
        title="Maintenance",
        elements=[w.pm_vincennes],
        text="Travaux.",
        kind=Incident.Kind.MAINTENANCE,
    )
    post_update(works, text="Les travaux commencent.", status="in_progress")
    data = json.loads(Client().get("/etat-du-reseau/summary.json").content)
    assert {c["name"]: c["status"] for c in data["components"]}["Vincennes"] == "under_maintenance"
    assert data["status"]["indicator"] == "none"


def test_a_resolved_incident_leaves_the_feed_and_shows_as_resolved_on_the_page():
    w = world()
    incident = cut_in_paris11(w)
    post_update(incident, text="Le service est rétabli.", status="resolved")
    data = json.loads(Client().get("/etat-du-reseau/summary.json").content)
    assert data["incidents"] == []
    assert data["status"]["indicator"] == "none"
    page = Client().get("/etat-du-reseau/").content.decode()
    assert "Résolus ces dernières 24 heures" in page
    assert "Le service est rétabli." in page


def test_each_published_update_moves_the_version_and_the_next_view_sees_it():
    w = world()
    first = snapshot.current()
    incident = cut_in_paris11(w)
    assert snapshot.read_version() == first.version + 1
    assert "Coupure fibre rue Oberkampf" in Client().get("/etat-du-reseau/").content.decode()
    post_update(incident, text="Réparé.", status="resolved")
    assert json.loads(Client().get("/etat-du-reseau/summary.json").content)["incidents"] == []


def test_a_browser_that_accepts_gzip_gets_the_same_page_compressed():
    import gzip

    w = world()
    cut_in_paris11(w)
    plain = Client().get("/etat-du-reseau/")
    packed = Client().get("/etat-du-reseau/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert packed["ETag"] != plain["ETag"]
    assert "Accept-Encoding" in packed["Vary"]


def test_a_304_answers_a_reload_with_the_current_etag():
    world()
    first = Client().get("/etat-du-reseau/")
    again = Client().get("/etat-du-reseau/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def _wsgi(path, **headers):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        **headers,
    }
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    def django(environ, start_response):  # pragma: no cover - must not be reached
        raise AssertionError("the fast path went to Django")

    body = b"".join(_fast(django)(environ, start_response))
    return seen["status"], seen["headers"], body


def _fast(app):
    wrapper = object.__new__(fastpath.StatusFastPath)
    wrapper.app = app  # without serve_from_memory(): no refresh thread in a test
    return wrapper


@pytest.mark.parametrize(
    ("path", "headers", "django_path", "django_headers"),
    [
        ("/etat-du-reseau/", {}, "/etat-du-reseau/", {}),
        (
            "/status/",
            {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8"},
            "/status/",
            {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8"},
        ),
        ("/etat-du-reseau/", {"HTTP_COOKIE": "django_language=en"}, "/etat-du-reseau/?lang=en", {}),
        ("/etat-du-reseau/summary.json", {}, "/etat-du-reseau/summary.json", {}),
        (
            "/etat-du-reseau/",
            {"HTTP_ACCEPT_ENCODING": "gzip"},
            "/etat-du-reseau/",
            {"HTTP_ACCEPT_ENCODING": "gzip"},
        ),
    ],
)
def test_the_fast_path_answers_exactly_what_django_answers(
    path, headers, django_path, django_headers
):
    w = world()
    cut_in_paris11(w)
    status, fast_headers, body = _wsgi(path, **headers)
    slow = Client().get(django_path, **django_headers)
    assert status == "200 OK"
    assert body == slow.content
    for name in (
        "Content-Type",
        "ETag",
        "Cache-Control",
        "Vary",
        "X-Content-Type-Options",
        "X-Frame-Options",
    ):
        assert fast_headers[name] == slow[name]
    assert fast_headers.get("Content-Encoding") == slow.get("Content-Encoding")


def test_the_fast_path_leaves_everything_else_to_django():
    reached = []

    def django(environ, start_response):
        reached.append(environ["PATH_INFO"] + "?" + environ["QUERY_STRING"])
        start_response("204 No Content", [])
        return [b""]

    wrapper = _fast(django)
    for path, query, method in [
        ("/etat-du-reseau/", "lang=en", "GET"),
        ("/etat-du-reseau/", "", "POST"),
        ("/etat-du-reseau/recherche/", "q=75011", "GET"),
        ("/suivi/", "", "GET"),
    ]:
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query}
        wrapper(environ, lambda *a: None)
    assert len(reached) == 4


def test_served_from_memory_a_view_touches_no_database(django_assert_num_queries, monkeypatch):
    import os

    w = world()
    cut_in_paris11(w)
    snapshot.current()  # built once
    monkeypatch.setattr(snapshot._holder, "background", True)
    monkeypatch.setattr(snapshot._holder, "thread_pid", os.getpid())  # no refresh thread here
    with django_assert_num_queries(0):
        status, _headers, body = _wsgi("/etat-du-reseau/summary.json")
    assert status == "200 OK"
    assert b"Oberkampf" in body


@pytest.mark.django_db(transaction=True)
def test_a_server_process_notices_an_update_from_elsewhere_within_a_second():
    """The refresh thread of a process served from memory: no request rebuilds anything."""
    import time

    w = world()
    snapshot.serve_from_memory()
    try:
        assert snapshot.current().current == []
        incident = cut_in_paris11(w)  # committed, as another process would
        started = time.monotonic()
        while not snapshot.current().current and time.monotonic() - started < 5:
            time.sleep(0.05)
        assert [e.reference for e in snapshot.current().current] == [incident.reference]
        assert time.monotonic() - started < snapshot.POLL_SECONDS + 1
    finally:
        snapshot.forget()
