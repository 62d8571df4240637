"""`seed_demo` builds the demo street and is safe to run twice (docs/architecture.md#demo-data)."""

from django.contrib.auth import get_user_model
from django.core.management import call_command

from casework.models import Case, CaseEvent, Community, Grid, Membership, Street, Unit
from tests.factories import categories_ensure

USERS = {
    "gridworker", "dispatcher", "unitmember", "party_committee", "residents_committee",
    "department", "local_unit", "property", "owners_committee", "supervisor", "outsider", "admin",
}  # fmt: skip


def _counts():
    return {
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "streets": Street.objects.count(),
        "communities": Community.objects.count(),
        "grids": Grid.objects.count(),
        "units": Unit.objects.count(),
        "unit_communities": Unit.communities.through.objects.count(),
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
    }


def _token(client, username, password):
    return client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, content_type="application/json"
    )


def test_seed_demo_twice_builds_the_same_street_once(db):
    categories_ensure()  # the demo cases need the category tree
    call_command("seed_demo", "--password", "pw-first")
    first = _counts()

    call_command("seed_demo", "--password", "pw-first")

    assert _counts() == first
    assert first["cases"] > 0
    assert set(get_user_model().objects.values_list("username", flat=True)) == USERS
    assert (first["streets"], first["communities"]) == (1, 2)


def test_seed_demo_without_cases_runs_twice_too(db):
    call_command("seed_demo", "--no-cases")
    first = _counts()

    call_command("seed_demo", "--no-cases")

    assert _counts() == first
    assert first["cases"] == 0


def test_seed_demo_password_lets_the_users_get_a_token(db, client):
    call_command("seed_demo", "--no-cases", "--password", "pw-from-cli")

    for username in ["gridworker", "dispatcher", "supervisor", "outsider"]:
        response = _token(client, username, "pw-from-cli")
        assert response.status_code == 200, response.content
        assert response.json()["token"]
    assert _token(client, "gridworker", "casework-demo").status_code == 400


def test_seed_demo_rerun_with_a_new_password_replaces_the_old_one(db, client):
    call_command("seed_demo", "--no-cases", "--password", "pw-old-demo")
    call_command("seed_demo", "--no-cases", "--password", "pw-new-demo")

    assert _token(client, "dispatcher", "pw-new-demo").status_code == 200
    assert _token(client, "dispatcher", "pw-old-demo").status_code == 400


def test_seed_demo_gives_each_user_the_documented_scope(db):
    call_command("seed_demo", "--no-cases")

    def scopes(username):
        return {
            (m.role, getattr(m.grid, "code", None), getattr(m.community, "code", None),
             getattr(m.unit, "code", None), getattr(m.street, "code", None), m.party)
            for m in Membership.objects.filter(user__username=username)
        }  # fmt: skip

    assert scopes("gridworker") == {("grid_worker", "C1-G1", None, None, None, "")}
    assert scopes("dispatcher") == {("dispatcher", None, "C1", None, None, "")}
    assert scopes("unitmember") == {("unit_member", None, None, "property-1", None, "")}
    assert scopes("outsider") == {("grid_worker", "C2-G1", None, None, None, "")}
    assert scopes("supervisor") == {("supervisor", None, None, None, "xinhua", "")}
    for party in ["party_committee", "residents_committee", "department", "local_unit", "property",
                  "owners_committee"]:  # fmt: skip
        assert scopes(party) == {("party_rep", None, "C1", None, None, party)}
    assert set(Unit.objects.values_list("kind", flat=True)) >= {
        "department", "local_unit", "property", "owners_committee",
    }  # fmt: skip
    assert Unit.objects.get(code="property-1").communities.get().code == "C1"
