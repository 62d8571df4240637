"""The hand-built month (tests/casework/evaluation_month.py): every figure below was worked
out by hand from the story told there, not by the code under test."""

import pytest

from casework.models import CaseEvent, EvaluationReport
from casework.services.evaluation_verify import evaluation_verify

from .evaluation_month import RUN, Month, figures_without_source_counts

pytestmark = pytest.mark.django_db

ZERO_BREACHES = {"breaches": 0, "breaches_respond": 0, "breaches_resolve": 0,
                 "breaches_consult": 0, "breaches_vote": 0}


@pytest.fixture
def month(demo):
    built = Month(demo)
    built.build()
    built.report = built.run()
    return built


def rows(report, level):
    return {row["code"]: row for row in report.figures[level]}


def test_the_report_covers_the_period_and_is_stored_once(month):
    report = EvaluationReport.objects.get()
    assert report.period == "2026-11"
    assert report.starts_at.isoformat() == "2026-10-20T16:00:00+00:00"  # Oct 21 00:00 +08
    assert report.ends_at == RUN
    assert report.run_at == RUN
    assert report.checksum == report.checksum_expected()


def test_the_evaluation_day_settles_by_rating_and_age(month):
    state = {name: case.__class__.objects.get(pk=case.pk).state for name, case in month.cases.items()}
    assert state == {
        "A": "closed", "B": "closed", "C": "handling", "D": "closed", "E": "evaluating",
        "F": "rejected", "G": "closed", "H": "classified", "I": "closed", "J": "closed",
        "K": "consultation", "L": "evaluating", "M": "closed",
    }  # fmt: skip
    assert month.report.figures["settled"] == {
        "closed": 4, "closed_unrated": 2, "reopened": 1, "carried": 2,
    }  # fmt: skip
    settled = CaseEvent.objects.filter(at=RUN, actor=None).order_by("case__title", "case_id")
    payloads = {(e.case_id, e.transition): e.payload for e in settled}
    d, g, c = month.cases["D"], month.cases["G"], month.cases["C"]
    assert payloads[(d.pk, "close")] == {"unrated": True, "evaluation": "2026-11"}
    assert payloads[(g.pk, "close")] == {"unrated": True, "evaluation": "2026-11"}
    assert payloads[(month.cases["A"].pk, "close")] == {"evaluation": "2026-11"}
    assert payloads[(c.pk, "reopen")]["evaluation"] == "2026-11"
    # The reopened case has a fresh resolve clock from the run.
    assert c.timers.filter(kind="resolve", state="running", started_at=RUN).exists()


def test_totals(month):
    assert month.report.figures["totals"] == {
        "received": 11,            # all but G and I (filed in October)
        "dispatched": 9,           # A B C G H J K L M
        "responded_on_time": 7,    # not B (accepted 2 days on), not H (past due at the run)
        "handled": 11,             # the dispatched nine, and D and E settled on the spot
        "resolved": 7,             # A B D E J L M (C reopened; G unable)
        "fixed": 6, "explained": 1, "not_responsible": 0, "unable": 1,
        "resolved_on_time": 6,     # B resolved a day late
        "rated": 6, "satisfied": 4, "basically_satisfied": 1, "dissatisfied": 1,
        "rated_resident": 4,       # A C I J through their follow links
        "rated_callback": 2,       # B by the grid worker, M by C2-G1's grid worker
        "breaches": 1, "breaches_respond": 1, "breaches_resolve": 1,
        "breaches_consult": 0, "breaches_vote": 0,
        "reopened": 2,             # J by the supervisor, C by the evaluation day
        "consultations": 1, "rejected": 1,
        # respond clocks stopped in the period (h): A 5, B 48, C 1 and 21, G 1, J 1, K 1,
        # L 1, M 2 → mean 81/9, p90 = 9th of 9 sorted.
        "respond_hours_mean": "9.00", "respond_hours_p90": "48.00",
        # resolve clocks: A 67, B 192, C 72, G 191, J 23 and 24, L 94, M 48 → 711/8 = 88.875;
        # p90 = 8th of 8 sorted.
        "resolve_hours_mean": "88.88", "resolve_hours_p90": "192.00",
        "response_rate": "0.7778",       # 7/9
        "resolution_rate": "0.6364",     # 7/11
        "satisfaction_rate": "0.8333",   # (4 + 1)/6: residents' and callbacks' ratings alike
        "composite": "0.7293",           # 0.1×0.7778 + 0.5×0.6364 + 0.4×0.8333 = 0.72930
    }  # fmt: skip


def test_units_are_ranked_by_composite(month):
    units = month.report.figures["units"]
    assert [(u["rank"], u["code"], u["composite"]) for u in units] == [
        (1, "property-2", "1.0000"),
        (2, "property-1", "0.7571"),
        (3, "dept-urban", "0.1000"),
    ]
    property1 = rows(month.report, "units")["property-1"]  # A B G H J K L
    assert property1 == {
        "rank": 2, "code": "property-1", "name": "和平物业服务有限公司",
        "received": 6, "dispatched": 7, "responded_on_time": 5, "handled": 7, "resolved": 4,
        "fixed": 3, "explained": 1, "not_responsible": 0, "unable": 1, "resolved_on_time": 3,
        "rated": 3, "satisfied": 2, "basically_satisfied": 1, "dissatisfied": 0,
        "rated_resident": 2, "rated_callback": 1,  # A J; B
        "breaches": 1, "breaches_respond": 1, "breaches_resolve": 1, "breaches_consult": 0,
        "breaches_vote": 0, "reopened": 1, "consultations": 1, "rejected": 0,
        "respond_hours_mean": "9.50", "respond_hours_p90": "48.00",    # 5 48 1 1 1 1
        "resolve_hours_mean": "98.50", "resolve_hours_p90": "192.00",  # 67 192 191 23 24 94
        "response_rate": "0.7143", "resolution_rate": "0.5714", "satisfaction_rate": "1.0000",
        "composite": "0.7571",
    }  # fmt: skip
    urban = rows(month.report, "units")["dept-urban"]  # C, whose clocks are all its own now
    assert (urban["dispatched"], urban["responded_on_time"], urban["resolved"]) == (1, 1, 0)
    assert (urban["rated"], urban["dissatisfied"], urban["reopened"]) == (1, 1, 1)
    assert (urban["rated_resident"], urban["rated_callback"]) == (1, 0)
    assert (urban["respond_hours_mean"], urban["respond_hours_p90"]) == ("11.00", "21.00")
    assert (urban["resolve_hours_mean"], urban["resolve_hours_p90"]) == ("72.00", "72.00")
    assert (urban["response_rate"], urban["resolution_rate"], urban["satisfaction_rate"]) == (
        "1.0000", "0.0000", "0.0000",
    )  # fmt: skip


def test_grids_and_communities(month):
    grids = month.report.figures["grids"]
    assert [(g["rank"], g["code"], g["community"], g["composite"]) for g in grids] == [
        (1, "C2-G1", "C2", "1.0000"),
        (2, "C1-G1", "C1", "0.6950"),  # 0.1×6/8 + 0.5×6/10 + 0.4×4/5
        (3, "C1-G2", "C1", "0.0000"),  # F, rejected
    ]
    c1g1 = rows(month.report, "grids")["C1-G1"]
    assert {k: c1g1[k] for k in ("received", "dispatched", "responded_on_time", "handled",
                                 "resolved", "rated", "rated_resident", "rated_callback",
                                 "satisfied", "reopened")} == {
        "received": 9, "dispatched": 8, "responded_on_time": 6, "handled": 10, "resolved": 6,
        "rated": 5, "rated_resident": 4, "rated_callback": 1, "satisfied": 3, "reopened": 2,
    }  # fmt: skip
    c1g2 = rows(month.report, "grids")["C1-G2"]
    assert (c1g2["received"], c1g2["rejected"], c1g2["handled"]) == (1, 1, 0)

    communities = rows(month.report, "communities")
    assert set(communities) == {"C1", "C2"}
    c1 = communities["C1"]
    assert c1["street"] == "xinhua"
    assert (c1["received"], c1["dispatched"], c1["handled"], c1["resolved"], c1["rejected"]) == (
        10, 8, 10, 6, 1,
    )  # fmt: skip
    assert (c1["response_rate"], c1["resolution_rate"], c1["satisfaction_rate"],
            c1["composite"]) == ("0.7500", "0.6000", "0.8000", "0.6950")
    c2 = communities["C2"]
    assert (c2["received"], c2["resolved"], c2["satisfied"], c2["composite"]) == (1, 1, 1, "1.0000")
    assert (c2["rated"], c2["rated_resident"], c2["rated_callback"]) == (1, 0, 1)
    assert c2 | ZERO_BREACHES == c2

    (street,) = month.report.figures["streets"]
    totals = month.report.figures["totals"]
    assert street["code"] == "xinhua"
    assert {k: v for k, v in street.items() if k not in ("code", "name")} == totals


def test_categories_follow_the_latest_classify_or_the_intake(month):
    categories = rows(month.report, "categories")
    assert set(categories) == {"env-garbage", "mun-lighting"}  # D F I have none
    garbage = categories["env-garbage"]  # A B C G H J K L M
    assert (garbage["received"], garbage["dispatched"], garbage["handled"], garbage["resolved"],
            garbage["resolved_on_time"], garbage["rated"]) == (8, 9, 9, 5, 4, 5)
    lighting = categories["mun-lighting"]  # E: filed with it, settled on the spot
    assert (lighting["received"], lighting["handled"], lighting["resolved"],
            lighting["resolved_on_time"]) == (1, 1, 1, 1)
    assert (lighting["response_rate"], lighting["resolution_rate"], lighting["composite"]) == (
        "0.0000", "1.0000", "0.5000",
    )  # fmt: skip


def test_scoped_cross_sections(month):
    community_units = {(r["community"], r["code"]): r for r in month.report.figures["community_units"]}
    assert set(community_units) == {
        ("C1", "property-1"), ("C1", "dept-urban"), ("C2", "property-2"),
    }
    assert community_units[("C1", "property-1")]["rank"] == 1
    assert community_units[("C1", "dept-urban")]["rank"] == 2
    assert community_units[("C2", "property-2")]["rank"] == 1
    street_categories = {(r["street"], r["code"]) for r in month.report.figures["street_categories"]}
    assert street_categories == {("xinhua", "env-garbage"), ("xinhua", "mun-lighting")}


def test_verify_agrees_with_the_hand_built_month(month):
    assert evaluation_verify(period="2026-11") == []


def test_verify_detects_a_tampered_report(month):
    report = EvaluationReport.objects.get()
    figures = report.figures
    figures["totals"]["resolved"] = 8
    figures["units"][0]["composite"] = "0.9000"
    # The model refuses changes; a direct UPDATE is what tampering looks like.
    EvaluationReport.objects.filter(pk=report.pk).update(figures=figures)

    differences = evaluation_verify(period="2026-11")

    assert "checksum: the stored report does not match its checksum" in differences
    assert "totals.resolved: frozen 8, recomputed 7" in differences
    assert "units[property-2].composite: frozen '0.9000', recomputed '1.0000'" in differences
    assert len(differences) == 3


def test_verify_still_agrees_after_the_cases_moved_on(month, demo):
    """The figures are as of the run: later work on the cases changes nothing."""
    import time_machine

    from tests.factories import case_move

    with time_machine.travel(RUN.replace(day=25), tick=False):
        case_move(month.cases["E"], (demo.user("gridworker"), "rate",
                                     {"satisfaction": "dissatisfied", "comment": "灯又坏了",
                                      "channel": "visit"}))
        case_move(month.cases["H"], (demo.user("unitmember"), "accept", {}))
    assert evaluation_verify(period="2026-11") == []


def test_verify_detects_a_forged_split_of_the_ratings(month):
    report = EvaluationReport.objects.get()
    figures = report.figures
    figures["totals"]["rated_resident"], figures["totals"]["rated_callback"] = 6, 0
    EvaluationReport.objects.filter(pk=report.pk).update(figures=figures)

    differences = evaluation_verify(period="2026-11")

    assert "totals.rated_resident: frozen 6, recomputed 4" in differences
    assert "totals.rated_callback: frozen 0, recomputed 2" in differences


def test_a_report_frozen_before_ratings_were_counted_by_source_still_verifies(month):
    """Such a report lacks the two counts everywhere; what it holds is still checked."""
    report = EvaluationReport.objects.get()
    figures = figures_without_source_counts(report)
    report_before = EvaluationReport.objects.filter(pk=report.pk)
    report_before.update(figures=figures)
    stored = report_before.get()
    report_before.update(checksum=stored.checksum_expected())  # as it was frozen then
    assert evaluation_verify(period="2026-11") == []

    figures["totals"]["rated"] = 5
    report_before.update(figures=figures)
    assert "totals.rated: frozen 5, recomputed 6" in evaluation_verify(period="2026-11")
