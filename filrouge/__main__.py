"""The `filrouge` command: a thin wrapper over Django's management commands.

`filrouge demo --customers 1000`, `filrouge serve`, `filrouge worker`,
`filrouge bench pages`, `filrouge token create <email>`... are the
management commands of the same names (`serve` is an alias of `runserver`).
"""

import os
import sys

ALIASES = {
    "serve": ["runserver", "127.0.0.1:8000"],
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filrouge.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ALIASES:
        args = ALIASES[args[0]] + args[1:]
    execute_from_command_line(["filrouge", *args])


if __name__ == "__main__":
    main()
