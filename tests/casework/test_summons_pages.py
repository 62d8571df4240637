"""Summons on the case page (docs/summons.md#pages): the dispatcher summons from the form,
a summoned unit checks in and records its part, the lead closes a part, everyone in scope
reads the list."""

from datetime import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from casework.models import Case, Membership, Role, Summons, Unit
from tests.factories import case_file, case_move
from workflows.working_time import SHANGHAI

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)


def browser(demo, username: str, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(demo.user(username))
    return client


@pytest.fixture
def unit_urban(demo):
    user = get_user_model().objects.create(username="unit_urban")
    Membership.objects.create(user=user, role=Role.UNIT_MEMBER, unit=Unit.objects.get(code="dept-urban"))
    return user


def test_the_dispatcher_summons_from_the_case_page_and_the_units_check_in(demo, unit_urban):
    with time_machine.travel(NOW, tick=False):
        case = case_file(demo.user("gridworker"))
        page_url = f"/cases/{case.reference}/"
        dispatcher = browser(demo, "dispatcher")

        page = dispatcher.get(page_url)
        assert page.status_code == 200
        body = page.content.decode()
        assert 'data-transition-form="summon"' in body and 'name="co_units"' in body
        chinese = browser(demo, "dispatcher", "zh-hans").get(page_url).content.decode()
        assert "吹哨" in chinese and "协办单位" in chinese
        assert 'data-transition-form="summon"' not in browser(demo, "gridworker").get(page_url).content.decode()

        form = {
            "version": case.version,
            "lead": demo.unit().pk,
            "co_units": [demo.unit("dept-urban").pk],
            "origin": "community",
            "reason": "物业与城管联合清理。",
            "category": demo.category().pk,
            "urgency": "normal",
            "difficulty": "small",
        }
        # The lead among the co-units comes back next to its field, nothing summoned.
        bad = dispatcher.post(
            f"/cases/{case.reference}/transitions/summon/",
            {**form, "co_units": [demo.unit().pk, demo.unit("dept-urban").pk]},
        )
        assert bad.status_code == 400
        assert "The lead unit cannot also be a co-unit." in bad.content.decode()
        assert not Summons.objects.exists()

        done = dispatcher.post(f"/cases/{case.reference}/transitions/summon/", form, follow=True)
        assert done.redirect_chain == [(page_url, 302)]
        assert Case.objects.get(pk=case.pk).state == "classified"
        lead = Summons.objects.get(case=case, role="lead")
        co = Summons.objects.get(case=case, role="co")
        body = done.content.decode()
        assert f'data-summons="{lead.pk}" data-role="lead" data-checked-in="no"' in body
        assert "data-summons-check-in" not in body  # not the dispatcher's to check in

        # Everyone in scope reads the list; the grid worker gets no forms.
        grid = browser(demo, "gridworker").get(page_url).content.decode()
        assert f'data-summons="{co.pk}"' in grid and "data-summons-check-in" not in grid

        # The co-unit finds the case in its inbox and checks in from its card.
        urban = browser(demo, "unit_urban")
        assert case.reference in urban.get("/", follow=True).content.decode()
        urban_page = urban.get(page_url)
        assert urban_page.status_code == 200
        assert f'action="/summons/{co.pk}/check-in/"' in urban_page.content.decode()
        assert f'action="/summons/{lead.pk}/check-in/"' not in urban_page.content.decode()
        empty = urban.post(f"/summons/{co.pk}/check-in/", {"attendee": ""})
        assert empty.status_code == 400
        checked = urban.post(f"/summons/{co.pk}/check-in/", {"attendee": "张队长"}, follow=True)
        assert checked.redirect_chain == [(page_url, 302)]
        body = checked.content.decode()
        assert f'data-summons="{co.pk}" data-role="co" data-checked-in="yes"' in body
        assert f'action="/summons/{co.pk}/part-done/"' in body
        # Another unit's member may not check in for the lead.
        assert urban.post(f"/summons/{lead.pk}/check-in/", {"attendee": "x"}).status_code == 403

        # The lead sees its check-in and a close form for the co-unit's open part.
        lead_page = browser(demo, "unitmember").get(page_url).content.decode()
        assert f'action="/summons/{lead.pk}/check-in/"' in lead_page
        assert f'action="/summons/{co.pk}/close/"' in lead_page
        closed = browser(demo, "unitmember").post(
            f"/summons/{co.pk}/close/", {"reason": "已由物业完成。"}, follow=True
        )
        assert closed.redirect_chain == [(page_url, 302)]
        assert Summons.objects.get(pk=co.pk).closed_by_lead_reason == "已由物业完成。"
        assert f'action="/summons/{co.pk}/close/"' not in closed.content.decode()


def test_the_admin_lists_summons_read_only(demo):
    with time_machine.travel(NOW, tick=False):
        case = case_file(demo.user("gridworker"))
        case_move(case, (demo.user("dispatcher"), "summon", demo.summon_payload()))
        admin = browser(demo, "admin")
        listed = admin.get("/admin/casework/summons/")
        assert listed.status_code == 200 and case.reference in listed.content.decode()
        assert admin.get("/admin/casework/summons/add/").status_code == 403
