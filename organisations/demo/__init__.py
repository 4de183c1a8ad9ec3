"""The demo province: Phú Yên as it was before 2025, its people, and one login per kind of user.

``build(seed=..., scale=..., stdout=...)`` creates in ONE transaction:

- the tree: Tỉnh ủy Phú Yên, its 13 directly-subordinate committees and the 6 socio-political
  organisations, ~600 grassroots organisations (commune party committees with their cells, grassroots
  cells of offices, schools, companies, army and police units) and ~2,500 cells;
- ~46,500 people with Vietnamese names, each with an open membership period;
- the demo accounts (password ``demo-portal``), see ``ACCOUNTS``;
- then the demo data of the other apps (see ``run_hooks``).

Everything is drawn from ``random.Random(seed)``: the same seed and scale give the same province.
``scale`` multiplies the grassroots organisations (with their cells) and the people; beyond the real
names (scale > 1) the committees' lists repeat with a "(khu vực N)" suffix.

Speed: rows are written with ``bulk_create`` in batches, tree paths are computed here in the format
``services._next_child_path`` produces (STEP digits per level), and a person's derived columns are
filled by ``Person.refresh_derived()`` (bulk_create skips ``save()``).

Extension point: after the tree, people and accounts exist, every installed app (except this one)
that has a module ``<app>.demo`` with a function ``seed(province, rng, stdout)`` is called, in
INSTALLED_APPS order, inside the same transaction. ``province`` is the root Organisation, ``rng`` a
``random.Random`` private to that app (derived from the seed and the app label, so adding an app does
not change another app's data), ``stdout`` a writable text stream for a one-line summary.
"""

# ruff: noqa: S311 - demo data: random.Random(seed) is wanted for reproducibility, not secrecy
from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import io
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max

from portal.lib.text import fold

from ..models import STEP, Membership, Organisation, Person, RoleGrant
from .data import (
    ARMY_CELLS,
    ARMY_PARTY_BODIES,
    BLOC_CELLS,
    BLOC_PARTY_BODIES,
    BORDER_CELLS,
    BORDER_PARTY_BODIES,
    COMMITTEES,
    DISTRICT_CELLS,
    DISTRICT_PARTY_BODIES,
    DISTRICTS,
    FAMILY,
    GIVEN_FEMALE,
    GIVEN_MALE,
    HAMLETS,
    HEROES,
    MASS_ORGS,
    MIDDLE_FEMALE,
    MIDDLE_MALE,
    MINORITY_COMMUNES,
    MINORITY_FAMILY,
    PHONE_PREFIXES,
    POLICE_CELLS,
    POLICE_PARTY_BODIES,
    PROFILES,
    SCHOOL_TEAMS,
    THPT_HEROES,
    UNITS,
    VILLAGE_A,
    VILLAGE_B,
    Profile,
)

K = Organisation.Kind
DEFAULT_SEED = 20240716
DEMO_PASSWORD = "demo-portal"  # noqa: S105 - the documented password of the demo accounts
ROOT_NAME = "Tỉnh ủy Phú Yên"
PEOPLE_AT_SCALE_1 = 46_500
REFERENCE_DATE = dt.date(2024, 12, 31)  # ages and joining dates are drawn relative to this fixed day
BATCH = 5000


class Output(Protocol):
    """Where progress goes: a management command's stdout, sys.stdout, io.StringIO."""

    def write(self, text: str, /) -> Any: ...

    def flush(self) -> Any: ...


# --------------------------------------------------------------------------------------------
# The plan: the tree as plain objects, drawn from the rng before anything touches the database.
# --------------------------------------------------------------------------------------------


@dataclass
class Node:
    """One organisation to create; ``profile`` names who its people are (empty: it holds none)."""

    name: str
    kind: str
    short_name: str = ""
    symbol: str = ""
    profile: str = ""
    minority: float = 0.0  # share of people with Ê Đê / Chăm H'roi / Ba Na names
    children: list[Node] = field(default_factory=list)
    path: str = ""
    pk: int | None = None

    def walk(self) -> Iterable[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


def _party_body(name: str, cells: Iterable[str], profile: str, **extra: Any) -> Node:
    return Node(
        name,
        K.GRASSROOTS,
        symbol="ĐU",
        children=[Node(f"Chi bộ {cell}", K.CELL, symbol="CB", profile=profile, **extra) for cell in cells],
    )


def _grassroots_cell(name: str, profile: str) -> Node:
    return Node(name, K.GRASSROOTS_CELL, symbol="CB", profile=profile)


def _spread(*groups: list[Node]) -> list[Node]:
    """Merge lists so that any prefix holds each list in proportion (the first item stays first)."""
    keyed = [((i + 0.5) / len(group), g, i, node) for g, group in enumerate(groups) for i, node in enumerate(group)]
    merged = [node for *_, node in sorted(keyed, key=lambda k: k[:3])]
    first = groups[0][0]
    merged.remove(first)
    return [first, *merged]


def _villages(rng: random.Random, count: int, minority: bool) -> list[str]:
    if minority:
        hamlets = rng.sample(HAMLETS, min(count // 2, len(HAMLETS)))
        count -= len(hamlets)
    else:
        hamlets = []
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(VILLAGE_A)} {rng.choice(VILLAGE_B)}"
        if name.split()[0] == name.split()[1] or name in names:
            continue
        if rng.random() < 0.25 and len(names) + 2 <= count:
            names += [f"{name} 1", f"{name} 2"]
        else:
            names.append(name)
    return [f"thôn {n}" for n in names] + [f"buôn {h}" for h in hamlets]


def _commune(rng: random.Random, unit: str, name: str, suffix: str) -> Node:
    place = f"Phường {name}" if name.isdigit() else f"{unit} {name}"
    minority = 0.6 if name in MINORITY_COMMUNES else 0.0
    if unit == "xã":
        villages = _villages(rng, rng.randint(6, 13), bool(minority))
        village_profile = "village"
    else:
        villages = [f"khu phố {i}" for i in range(1, rng.randint(5, 12) + 1)]
        village_profile = "ward"
    cells = [Node(f"Chi bộ {v}", K.CELL, symbol="CB", profile=village_profile, minority=minority) for v in villages]
    cells += [
        Node(f"Chi bộ Cơ quan {place}", K.CELL, symbol="CB", profile="commune_office", minority=minority / 2),
        Node(f"Chi bộ Quân sự {place}", K.CELL, symbol="CB", profile="commune_armed", minority=minority / 2),
        Node(f"Chi bộ Công an {place}", K.CELL, symbol="CB", profile="commune_armed"),
        Node(f"Chi bộ Trạm Y tế {place}", K.CELL, symbol="CB", profile="health"),
    ]
    named = place if name.isdigit() else name  # "Trường Tiểu học An Dân", "Trường Tiểu học Phường 1"
    schools = [f"Trường Mầm non {named}", f"Trường Tiểu học {named}", f"Trường THCS {rng.choice(HEROES)}"]
    cells += [Node(f"Chi bộ {s}", K.CELL, symbol="CB", profile="school") for s in schools if rng.random() < 0.85]
    return Node(f"Đảng bộ {place}{suffix}", K.GRASSROOTS, symbol="ĐU", children=cells)


def _district(rng: random.Random, key: str, suffix: str, high_schools: list[str]) -> list[Node]:
    level, committee_word, spec = DISTRICTS[key]
    communes: list[Node] = []
    rural: list[str] = []
    for part in spec.split(";"):
        unit_code, names = part.split(":")
        for name in names.split(","):
            communes.append(_commune(rng, UNITS[unit_code], name, suffix))
            if unit_code == "X":
                rural.append(name)

    def fill(text: str) -> str:
        return text.replace("{L}", f"{level} {key}").replace("{C}", committee_word).replace("{P}", key)

    bodies = [
        _party_body(fill(name) + suffix, fill(cells).split(","), profile)
        for name, cells, profile in DISTRICT_PARTY_BODIES
    ]
    for hero in high_schools:
        bodies.append(
            _party_body(f"Đảng bộ Trường THPT {hero}{suffix}", rng.sample(SCHOOL_TEAMS.split(","), 5), "school")
        )
    cells = [_grassroots_cell(fill(name) + suffix, profile) for name, profile in DISTRICT_CELLS]
    cells += [
        _grassroots_cell(f"Chi bộ Hợp tác xã Nông nghiệp {name}{suffix}", "business")
        for name in rural
        if rng.random() < 0.5
    ]
    return _spread(communes, bodies, cells)


def _provincial(
    rng: random.Random,
    bodies: list[tuple[str, str]],
    cells: list[str],
    profile: str,
    suffix: str,
    cell_profile: str | None = None,
) -> list[Node]:
    party = [_party_body(f"Đảng bộ {name}{suffix}", units.split(","), profile) for name, units in bodies]
    grassroots = [_grassroots_cell(f"Chi bộ {name}{suffix}", cell_profile or profile) for name in cells]
    return _spread(party, grassroots)


def _police(rng: random.Random, suffix: str) -> list[Node]:
    party = [
        _party_body(f"Đảng bộ {name}{suffix}", [f"Đội {i}" for i in range(1, rng.randint(3, 7) + 1)], "armed")
        for name in POLICE_PARTY_BODIES
    ]
    cells = [_grassroots_cell(f"Chi bộ {name}{suffix}", "armed") for name in POLICE_CELLS]
    return _spread(party, cells)


def _committee_items(rng: random.Random, key: str, suffix: str, high_schools: list[str]) -> list[Node]:
    if key in DISTRICTS:
        return _district(rng, key, suffix, high_schools)
    if key == "bloc":
        return _provincial(rng, BLOC_PARTY_BODIES, BLOC_CELLS, "agency", suffix)
    if key == "army":
        return _provincial(rng, ARMY_PARTY_BODIES, ARMY_CELLS, "armed", suffix)
    if key == "police":
        return _police(rng, suffix)
    return _provincial(rng, BORDER_PARTY_BODIES, BORDER_CELLS, "armed", suffix)


def plan(*, seed: int = DEFAULT_SEED, scale: float = 1.0) -> Node:
    """The demo tree, without people: a pure function of (seed, scale)."""
    rng = random.Random(f"{seed}:tree")
    root = Node(ROOT_NAME, K.PROVINCE, short_name="Tỉnh ủy", symbol="TU")
    heroes = rng.sample(THPT_HEROES, len(THPT_HEROES))  # each district's 3 high schools: distinct names
    for index, (name, short_name, symbol, key) in enumerate(COMMITTEES):
        high_schools = heroes[3 * index : 3 * index + 3]
        base = _committee_items(rng, key, "", high_schools)
        wanted = max(1, round(len(base) * scale))
        items = base[:wanted]
        replica = 2
        while len(items) < wanted:
            items += _committee_items(rng, key, f" (khu vực {replica})", high_schools)[: wanted - len(items)]
            replica += 1
        root.children.append(Node(name, K.COMMITTEE, short_name=short_name, symbol=symbol, children=items))
    for name, short_name, symbol, profile in MASS_ORGS:
        root.children.append(Node(name, K.MASS_ORG, short_name=short_name, symbol=symbol, profile=profile))
    return root


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` exactly (largest remainder, ties by position)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    left = total - sum(counts)
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[:left]:
        counts[i] += 1
    return counts


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------


class PeopleMaker:
    """Draws people one at a time from its own rng; card numbers increase and never repeat."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"{seed}:people")
        self.next_card = 47_000_000
        self.family, self.family_cum = _cumulative(FAMILY)
        self.middle_m, self.middle_m_cum = _cumulative(MIDDLE_MALE)
        self.middle_f, self.middle_f_cum = _cumulative(MIDDLE_FEMALE)
        self.reference = REFERENCE_DATE.toordinal()
        self.earliest_start = dt.date(1975, 5, 1).toordinal()

    def name(self, female: bool, minority: bool = False) -> tuple[str, str, list[str]]:
        """(full name, given name, the other words)."""
        rng = self.rng
        if minority:
            family = rng.choice(MINORITY_FAMILY)
            middle = "Thị" if female else "Y"
        else:
            family = rng.choices(self.family, cum_weights=self.family_cum)[0]
            if female:
                middle = rng.choices(self.middle_f, cum_weights=self.middle_f_cum)[0]
            else:
                middle = rng.choices(self.middle_m, cum_weights=self.middle_m_cum)[0]
        given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
        return f"{family} {middle} {given}", given, [*family.split(), middle]

    def person(self, organisation_id: int, profile: Profile, minority: float) -> tuple[Person, dt.date]:
        rng = self.rng
        female = rng.random() < profile.female
        full_name, given, others = self.name(female, minority > 0 and rng.random() < minority)
        low, high, mode = profile.age
        age = int(rng.triangular(low, high, mode))
        born = self.reference - age * 365 - rng.randint(0, 364)
        kind = Person.Kind.OFFICIAL
        if rng.random() < profile.non_party:
            kind = Person.Kind.NON_PARTY
        elif rng.random() < (0.10 if age < 40 else 0.012):
            kind = Person.Kind.PROBATIONARY
        status = Person.Status.ACTIVE
        roll = rng.random()
        if age >= 70 and roll < 0.27 and kind != Person.Kind.NON_PARTY:  # excused from Party activities
            status = Person.Status.EXCUSED
        elif roll < 0.003:
            status = Person.Status.TRANSFERRED_OUT
        elif age >= 65 and roll < 0.02:
            status = Person.Status.DECEASED
        card = None
        if kind == Person.Kind.OFFICIAL:  # a card is issued when a probationary member becomes official
            self.next_card += rng.randint(1, 29)
            card = str(self.next_card)
        phone = ""
        if rng.random() < profile.phone:
            phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**7):07d}"
        email = ""
        if rng.random() < profile.email:
            local = fold(given).replace(" ", "") + "".join(fold(w)[:1] for w in others)
            if rng.random() < 0.5:
                local += str(rng.randint(1, 99))
            email = f"{local}@{profile.domain}"
        if kind == Person.Kind.PROBATIONARY:
            start = self.reference - rng.randint(0, 360)
        else:
            start = max(born + 18 * 365, self.earliest_start)
            start = min(start + rng.randint(0, 30 * 365), self.reference - rng.randint(0, 90))
        person = Person(
            full_name=full_name,
            date_of_birth=dt.date.fromordinal(born),
            kind=kind,
            status=status,
            gender=Person.Gender.FEMALE if female else Person.Gender.MALE,
            card_number=card,
            organisation_id=organisation_id,
            phone=phone,
            email=email,
        )
        person.refresh_derived()
        return person, dt.date.fromordinal(start)


def _cumulative(pairs: list[tuple[str, int]]) -> tuple[list[str], list[int]]:
    names, cum, total = [], [], 0
    for name, weight in pairs:
        total += weight
        names.append(name)
        cum.append(total)
    return names, cum


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


@dataclass
class Summary:
    province: Organisation
    counts: dict[str, int]
    timings: list[tuple[str, float]]
    accounts: list[tuple[str, str, str]]  # username, role, organisation


def _next_root_path() -> str:
    last = Organisation.objects.filter(depth=0).aggregate(m=Max("path"))["m"]
    return f"{(int(last) + 1 if last else 1):0{STEP}d}"


def _create_tree(root: Node) -> dict[str, int]:
    """Create every organisation, level by level (a level's ids are needed by the next)."""
    root.path = _next_root_path()
    level = [root]
    parents: dict[int, Node] = {}
    counts: dict[str, int] = {}
    while level:
        rows = []
        for node in level:
            parent = parents.get(id(node))
            rows.append(
                Organisation(
                    name=node.name,
                    short_name=node.short_name,
                    symbol=node.symbol,
                    kind=node.kind,
                    parent_id=parent.pk if parent else None,
                    path=node.path,
                    depth=len(node.path) // STEP - 1,
                    search_name=fold(f"{node.name} {node.short_name}"),
                )
            )
        created = Organisation.objects.bulk_create(rows, batch_size=BATCH)
        following: list[Node] = []
        for node, row in zip(level, created, strict=True):
            node.pk = row.pk
            counts[node.kind] = counts.get(node.kind, 0) + 1
            if len(node.children) >= 10**STEP:
                raise ValueError(f"{node.name} would have more than {10**STEP - 1} children.")
            for number, child in enumerate(node.children, start=1):
                child.path = f"{node.path}{number:0{STEP}d}"
                parents[id(child)] = node
                following.append(child)
        level = following
    return counts


def _create_people(root: Node, *, seed: int, scale: float) -> dict[str, int]:
    holders = [node for node in root.walk() if node.profile]
    maker = PeopleMaker(seed)
    size_rng = random.Random(f"{seed}:sizes")
    weights = []
    for node in holders:
        low, high = PROFILES[node.profile].size
        weight = float(size_rng.randint(low, high))
        if node.kind == K.MASS_ORG:  # they do not multiply with the tree: keep their share steady
            weight *= scale
        weights.append(weight)
    # The Party statute wants at least 3 members in a cell: every unit gets 3, the rest goes by weight.
    floor = 3
    total = max(floor * len(holders), round(PEOPLE_AT_SCALE_1 * scale))
    counts: dict[str, int] = {}
    people: list[Person] = []
    starts: list[dt.date] = []

    def flush() -> None:
        Person.objects.bulk_create(people, batch_size=BATCH)
        Membership.objects.bulk_create(
            [
                Membership(person_id=p.pk, organisation_id=p.organisation_id, start_date=s)
                for p, s in zip(people, starts, strict=True)
            ],
            batch_size=BATCH,
        )
        people.clear()
        starts.clear()

    for node, extra in zip(holders, allocate(total - floor * len(holders), weights), strict=True):
        count = floor + extra
        assert node.pk is not None
        profile = PROFILES[node.profile]
        for _ in range(count):
            person, start = maker.person(node.pk, profile, node.minority)
            people.append(person)
            starts.append(start)
            counts[person.kind] = counts.get(person.kind, 0) + 1
            counts[person.status] = counts.get(person.status, 0) + 1
            if len(people) >= BATCH:
                flush()
    if people:
        flush()
    counts["people"] = sum(counts.get(k, 0) for k in Person.Kind.values)
    return counts


# username, role (None: superuser; "": a member without a role), where (a committee's name), may grade.
# Secretaries and members are people of the first suitable cell under their committee.
ACCOUNTS: list[tuple[str, str | None, str, bool]] = [
    ("admin", None, "", False),
    ("demo_staff", RoleGrant.Role.STAFF, "root", False),
    ("demo_officer", RoleGrant.Role.OFFICER, "Huyện ủy Tuy An", True),
    ("demo_officer2", RoleGrant.Role.OFFICER, "Thị ủy Sông Cầu", True),
    ("demo_secretary", RoleGrant.Role.SECRETARY, "Huyện ủy Tuy An", False),
    ("demo_secretary2", RoleGrant.Role.SECRETARY, "Thị ủy Sông Cầu", False),
    ("demo_member", "", "Huyện ủy Tuy An", False),
    ("demo_member2", "", "Thị ủy Sông Cầu", False),
]


def _demo_cell(committee: Organisation) -> tuple[Organisation, list[Person]]:
    """The first cell under ``committee`` with two active official members and no accounts yet."""
    cells = Organisation.objects.filter(path__startswith=committee.path, kind__in=Organisation.CELL_KINDS)
    for cell in cells.order_by("kind", "path"):  # "cell" before "grassroots_cell"
        people = list(
            Person.objects.filter(
                organisation=cell,
                status=Person.Status.ACTIVE,
                kind=Person.Kind.OFFICIAL,
                user__isnull=True,
            ).order_by("id")[:2]
        )
        if len(people) == 2:
            return cell, people
    raise ValueError(f"No cell under {committee} has two active members for the demo accounts.")


def _create_accounts(province: Organisation, seed: int) -> list[tuple[str, str, str]]:
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)  # hashed once: the hasher is deliberately slow
    names = PeopleMaker(seed + 1)
    committees = {o.name: o for o in Organisation.objects.filter(parent=province)}
    cells: dict[str, tuple[Organisation, list[Person]]] = {}
    printed: list[tuple[str, str, str]] = []
    for username, role, where, can_grade in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        existed = user is not None
        if user is None:
            user = User(username=username, password=password, is_superuser=role is None, is_staff=role is None)
        org = province if where in ("", "root") else committees[where]
        person: Person | None = None
        if role in (RoleGrant.Role.SECRETARY, ""):
            if where not in cells:
                cells[where] = _demo_cell(org)
            org, people = cells[where]
            person = people[0] if role == RoleGrant.Role.SECRETARY else people[1]
            user.first_name = person.full_name
        elif not existed and role is not None:
            user.first_name = names.name(female=names.rng.random() < 0.4)[0]
        if role in (RoleGrant.Role.STAFF, RoleGrant.Role.OFFICER):
            user.is_staff = True
        user.save()
        if person is not None:
            Person.objects.filter(pk=person.pk).update(user=user)
        if role:
            RoleGrant.objects.get_or_create(user=user, organisation=org, role=role, defaults={"can_grade": can_grade})
        label = "superuser" if role is None else (RoleGrant.Role(role).label if role else "member")
        if can_grade:
            label += " (grades)"
        if existed:
            label += " [existing account: password unchanged]"
        printed.append((username, str(label), org.name if role is not None else "-"))
    return printed


def run_hooks(province: Organisation, *, seed: int, stdout: Output) -> list[tuple[str, float]]:
    """Call ``<app>.demo.seed(province, rng, stdout)`` for every installed app that has one."""
    timings = []
    for config in apps.get_app_configs():
        if config.name == __package__:
            continue
        module_name = f"{config.name}.demo"
        if importlib.util.find_spec(module_name) is None:
            continue
        hook: Callable[..., Any] | None = getattr(importlib.import_module(module_name), "seed", None)
        if hook is None:
            continue
        started = time.perf_counter()
        hook(province, random.Random(f"{seed}:{config.label}"), stdout)
        timings.append((f"demo data of {config.label}", time.perf_counter() - started))
    return timings


def _refresh_statistics() -> bool:
    """After a bulk load, give the query planner fresh statistics (and PostgreSQL a visibility map).

    Without it PostgreSQL plans a subtree count as a sequential scan of every person, several times
    slower than the index-only nested loop it picks once VACUUM ANALYZE has run. Skipped inside an
    outer transaction (tests), where VACUUM cannot run.
    """
    if connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return True


def root_exists() -> bool:
    return Organisation.objects.filter(depth=0).exists()


def build(*, seed: int = DEFAULT_SEED, scale: float = 1.0, stdout: Output | None = None, hooks: bool = True) -> Summary:
    """Create the demo province, its people, the demo accounts and the other apps' demo data."""
    if scale <= 0:
        raise ValueError("scale must be positive")

    def log(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")
            stdout.flush()

    timings: list[tuple[str, float]] = []
    clock = time.perf_counter()

    def lap(label: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings.append((label, now - clock))
        log(f"  {label:<32} {now - clock:7.2f} s")
        clock = now

    with transaction.atomic():
        tree = plan(seed=seed, scale=scale)
        lap("plan the tree")
        counts = _create_tree(tree)
        lap("organisations")
        counts.update(_create_people(tree, seed=seed, scale=scale))
        lap("people and memberships")
        province = Organisation.objects.get(path=tree.path)
        accounts = _create_accounts(province, seed)
        lap("demo accounts")
        if hooks:
            for label, seconds in run_hooks(province, seed=seed, stdout=stdout or io.StringIO()):
                timings.append((label, seconds))
                log(f"  {label:<32} {seconds:7.2f} s")
            clock = time.perf_counter()
    lap("commit")
    if _refresh_statistics():
        lap("refresh planner statistics")
    return Summary(province=province, counts=counts, timings=timings, accounts=accounts)
