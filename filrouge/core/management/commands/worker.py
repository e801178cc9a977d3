"""`filrouge worker`: run background tasks (see `filrouge.core.worker` for what differs
from django-tasks-db's `db_worker`, whose options it takes)."""

from datetime import timedelta

from django_tasks_db.management.commands import db_worker

from filrouge.core import worker


class Command(db_worker.Command):
    help = (
        "Run a database task worker: claims tasks in batches, takes back the tasks of "
        "workers that died (same host) or ran past their lease."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(worker_id=worker.new_worker_id(), reload=False)
        parser.add_argument(
            "--claim",
            type=int,
            default=100,
            help="Tasks claimed per transaction (default 100); inbound messages are filed "
            "as one set.",
        )
        parser.add_argument(
            "--lease",
            type=float,
            default=900,
            help="Seconds after which a running task is deemed abandoned (default 900).",
        )
        parser.add_argument(
            "--reclaim-every",
            type=float,
            default=30,
            help="How often to look for abandoned tasks, in seconds (default 30).",
        )

    def handle(self, *, verbosity, claim, lease, reclaim_every, **options) -> None:
        self.configure_logging(verbosity)
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        runner = worker.BatchWorker(
            claim=max(1, claim),
            lease=timedelta(seconds=lease),
            reclaim_every=reclaim_every,
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        runner.configure_signals()
        runner.run()
