"""Load the demo province (Phú Yên), its people and the demo accounts: see organisations.demo."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from organisations import demo


def _positive_float(text: str) -> float:
    value = float(text)
    if not 0 < value <= 100:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Create the demo province: Tỉnh ủy Phú Yên, 13 committees, 6 socio-political organisations, "
        "~600 grassroots organisations, ~2,500 cells, ~46,500 people (times --scale) and the demo accounts "
        f"(password {demo.DEMO_PASSWORD}); then the other apps' demo data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help=f"random seed; the same seed gives the same province (default {demo.DEFAULT_SEED})",
        )
        parser.add_argument(
            "--scale",
            type=_positive_float,
            default=1.0,
            help="multiply grassroots organisations, cells and people (e.g. 0.02 or 10; default 1)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already has an organisation tree (used by make run)",
        )
        parser.add_argument(
            "--reset", action="store_true", help="EMPTY THE WHOLE DATABASE first (manage.py flush), then load the demo"
        )
        parser.add_argument("--no-hooks", action="store_true", help="skip the other apps' demo data")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"] and options["if_empty"]:
            raise CommandError("--reset and --if-empty contradict each other.")
        if options["reset"]:
            self.stdout.write("Emptying the database (flush)...")
            call_command("flush", interactive=False, verbosity=0)
        elif demo.root_exists():
            if options["if_empty"]:
                self.stdout.write("The database already has an organisation tree: demo data not loaded.")
                return
            raise CommandError(
                "The database already has an organisation tree. Use --reset to replace everything with the demo "
                "or --if-empty to skip."
            )
        scale, seed = options["scale"], options["seed"]
        self.stdout.write(
            f"Loading the demo province on {connection.vendor} (seed {seed}, scale {scale:g}) in one transaction:"
        )
        started = time.perf_counter()
        try:
            summary = demo.build(seed=seed, scale=scale, stdout=self.stdout, hooks=not options["no_hooks"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started

        c = summary.counts
        K = demo.K
        self.stdout.write(self.style.SUCCESS(f"Done in {elapsed:.1f} s on {connection.vendor}."))
        self.stdout.write(
            f"  organisations: 1 province, {c.get(K.COMMITTEE, 0)} committees, {c.get(K.MASS_ORG, 0)} "
            f"socio-political organisations, {c.get(K.GRASSROOTS, 0) + c.get(K.GRASSROOTS_CELL, 0):,} grassroots "
            f"({c.get(K.GRASSROOTS_CELL, 0):,} of them cells), {c.get(K.CELL, 0):,} cells"
        )
        people = c["people"]
        mix = ", ".join(f"{c.get(k, 0):,} {k}" for k in ("official", "probationary", "non_party"))
        statuses = ", ".join(f"{c.get(s, 0):,} {s}" for s in ("active", "excused", "transferred_out", "deceased"))
        self.stdout.write(f"  people: {people:,} ({mix}; {statuses})")
        self.stdout.write(f"\nDemo accounts (password {demo.DEMO_PASSWORD}):")
        for username, role, where in summary.accounts:
            self.stdout.write(f"  {username:<16} {role:<40} {where}")
