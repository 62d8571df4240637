"""The rules' view of the residents' doors, without a database: the public intake may file,
and a follow link's holder may rate their own case and do nothing else."""

from django_fsm import has_transition_perm

from casework.models import Case
from workflows.actors import PUBLIC_INTAKE, Actor, resident_of
from workflows.case_permissions import may_collect
from workflows.transitions import TRANSITIONS
from workflows.geo import distance_m, gcj02_to_wgs84, wgs84_to_gcj02


def evaluating_case(pk=7) -> Case:
    return Case(pk=pk, grid_id=1, community_id=1, unit_id=3, state="evaluating")


def test_the_public_intake_may_file_into_any_grid_it_located():
    assert may_collect(PUBLIC_INTAKE, grid_id=5, community_id=2)
    assert not may_collect(Actor(), grid_id=5, community_id=2)


def test_a_resident_may_rate_their_own_case():
    assert has_transition_perm(evaluating_case(7).rate, resident_of(7))


def test_a_resident_may_not_rate_another_case():
    assert not has_transition_perm(evaluating_case(8).rate, resident_of(7))


def test_a_resident_may_do_nothing_else():
    case = evaluating_case(7)
    for name, spec in TRANSITIONS.items():
        if name != "rate":
            assert not has_transition_perm(getattr(case, spec.method_name), resident_of(7)), name


def test_the_public_intake_may_not_rate():
    assert not has_transition_perm(evaluating_case().rate, PUBLIC_INTAKE)


# ---------------------------------------------------------------- coordinates


def test_gcj02_round_trips_to_wgs84_within_a_centimetre():
    for lat, long in [(39.9087, 116.3975), (31.2304, 121.4737), (22.5431, 114.0579)]:
        back = gcj02_to_wgs84(*wgs84_to_gcj02(lat, long))
        assert distance_m(lat, long, *back) < 0.01


def test_the_gcj02_shift_is_hundreds_of_metres_in_china_and_none_outside():
    tiananmen = (39.9087, 116.3975)
    assert 300 < distance_m(*tiananmen, *wgs84_to_gcj02(*tiananmen)) < 800
    assert wgs84_to_gcj02(51.5007, -0.1246) == (51.5007, -0.1246)
    assert gcj02_to_wgs84(51.5007, -0.1246) == (51.5007, -0.1246)


def test_distance_is_in_metres():
    # One degree of latitude is about 111 km.
    assert abs(distance_m(39.0, 116.0, 40.0, 116.0) - 111_195) < 50
