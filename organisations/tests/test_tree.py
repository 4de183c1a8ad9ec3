import pytest

from organisations import services
from organisations.models import Organisation, Person
from organisations.selectors import members_under
from portal.lib.errors import DomainError


def test_subtree_is_one_prefix_query_at_any_depth(cast, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = set(cast.committee_a.subtree().values_list("name", flat=True))
    assert names == {"Huyện ủy Tuy An", "Đảng bộ xã An Dân", "Chi bộ thôn Phú Tân 1", "Chi bộ thôn Phú Tân 2"}
    with django_assert_num_queries(1):
        assert members_under(cast.committee_a).count() == 3


def test_moving_a_subtree_rewrites_every_path_and_keeps_people(cast):
    services.organisation_move(actor=cast.staff, org=cast.grassroots_a, new_parent=cast.committee_b)
    cast.cell_a.refresh_from_db()
    assert cast.cell_a.is_within(cast.committee_b)
    assert cast.cell_a.depth == 3
    assert members_under(cast.committee_b).filter(full_name="Nguyễn Văn An").exists()
    assert not members_under(cast.committee_a).exists()
    paths = list(Organisation.objects.values_list("path", flat=True))
    assert len(paths) == len(set(paths))


def test_an_organisation_cannot_move_under_its_own_descendant(cast):
    with pytest.raises(DomainError):
        services.organisation_move(actor=cast.staff, org=cast.committee_a, new_parent=cast.cell_a)


def test_transfer_keeps_history_for_counting_on_a_date(cast):
    import datetime as dt

    person = Person.objects.get(full_name="Nguyễn Văn An")
    person.memberships.update(start_date=dt.date(2020, 1, 1))
    services.person_transfer(actor=cast.staff, person=person, to=cast.cell_b, on=dt.date(2024, 6, 1))
    history = list(person.memberships.order_by("start_date").values_list("organisation__name", "end_date"))
    assert history == [("Chi bộ thôn Phú Tân 1", dt.date(2024, 6, 1)), ("Chi bộ khu phố 1", None)]
    assert person.memberships.filter(
        organisation=cast.cell_a, start_date__lte=dt.date(2023, 1, 1), end_date__gt=dt.date(2023, 1, 1)
    ).exists()


def test_deactivating_refuses_while_active_people_remain(cast):
    with pytest.raises(DomainError):
        services.organisation_deactivate(actor=cast.staff, org=cast.cell_a)
    assert Organisation.objects.get(pk=cast.cell_a.pk).is_active
