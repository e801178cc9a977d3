"""Measured in a fresh process by `filrouge bench triage`: load time and peak memory."""

import time


def probe() -> dict:
    """Run in a fresh process: time to a first analysis, and the peak memory after 2,000."""
    import resource

    import django

    started_cpu, started_wall = time.process_time(), time.perf_counter()
    django.setup()
    from filrouge.triage import store
    from filrouge.triage.analysis import Item, analyse_many

    setup_cpu = time.process_time() - started_cpu
    before = time.perf_counter()
    model_started = time.process_time()
    store.current()
    load_cpu = time.process_time() - model_started
    load_wall = time.perf_counter() - before
    analyse_many([Item("Plus d'internet depuis hier soir, la box clignote.", "sms")])
    first_wall = time.perf_counter() - started_wall
    rows = store.shipped_rows()[:2_000]
    analyse_many([Item(r["text"], r["channel"]) for r in rows])
    rss_kb = _peak_kb() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "django_setup_and_imports_cpu_s": round(setup_cpu, 3),
        "model_load_cpu_s": round(load_cpu, 3),
        "model_load_wall_s": round(load_wall, 3),
        "first_analysis_wall_s_incl_imports": round(first_wall, 3),
        "peak_rss_mb": round(rss_kb / 1024, 1),
        "model_version": store.current().header.get("version"),
    }


def _peak_kb() -> int | None:
    """This process image's peak resident memory (VmHWM; `ru_maxrss` would carry over the
    parent's peak across fork and exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
