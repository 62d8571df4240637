"""Urges on the case page (docs/urges.md): the street supervisor urges from its form, the
unit replies from the urge's card, everyone in scope reads the list."""

from datetime import datetime

import pytest
import time_machine
from django.test import Client

from casework.models import CaseEvent, Notification, SlaTimer, Urge
from workflows.working_time import SHANGHAI

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)


def browser(demo, username: str, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(demo.user(username))
    return client


def test_the_supervisor_urges_from_the_case_page_and_the_unit_replies(demo):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        page_url = f"/cases/{case.reference}/"
        supervisor = browser(demo, "supervisor")

        page = supervisor.get(page_url)
        assert page.status_code == 200
        body = page.content.decode()
        assert "data-urge-form" in body and 'name="reply_by"' in body
        chinese = browser(demo, "supervisor", "zh-hans").get(page_url).content.decode()
        assert "督办此事项" in chinese and "回复期限" in chinese
        # Nobody else gets the form.
        for username in ("dispatcher", "unitmember", "gridworker"):
            assert browser(demo, username).get(page_url).context["urge_form"] is None

        # A past deadline comes back next to its field, nothing urged.
        bad = supervisor.post(f"/cases/{case.reference}/urges/", {"note": "请回复", "reply_by": "2026-12-01T10:00"})
        assert bad.status_code == 400
        assert "The reply deadline must lie in the future." in bad.content.decode()
        assert not Urge.objects.exists()

        urged = supervisor.post(
            f"/cases/{case.reference}/urges/",
            {"note": "请明天下班前说明进度", "reply_by": "2026-12-04T17:00"},
            follow=True,
        )
        assert urged.redirect_chain == [(page_url, 302)]
        urge = Urge.objects.get(case=case)
        assert urge.reply_by == datetime(2026, 12, 4, 17, 0, tzinfo=SHANGHAI)
        body = urged.content.decode()
        assert f'data-urge="{urge.pk}" data-state="open"' in body and "请明天下班前说明进度" in body
        assert urged.context["urge_form"] is None  # one open urge at a time
        assert "data-urge-reply" not in body  # not the supervisor's to answer
        assert Notification.objects.filter(user=demo.user("unitmember"), kind="urge").count() == 1

        # Everyone in scope reads it; only the unit gets the reply form.
        grid = browser(demo, "gridworker").get(page_url).content.decode()
        assert f'data-urge="{urge.pk}"' in grid and "data-urge-reply" not in grid
        unit = browser(demo, "unitmember")
        assert "data-urge-reply" in unit.get(page_url).content.decode()

        empty = unit.post(f"/urges/{urge.pk}/reply/", {"note": ""})
        assert empty.status_code == 400
        urge.refresh_from_db()
        assert urge.state == "open"

        replied = unit.post(f"/urges/{urge.pk}/reply/", {"note": "今天已清运"}, follow=True)
        assert replied.redirect_chain == [(page_url, 302)]
        body = replied.content.decode()
        assert f'data-urge="{urge.pk}" data-state="answered"' in body and "今天已清运" in body
        assert "data-urge-reply" not in body
        assert SlaTimer.objects.get(case=case, kind="urge").state == "stopped"
        assert CaseEvent.objects.filter(case=case, transition="urge_answered").count() == 1
        # The timeline names the steps.
        assert "Urged by the supervisor" in body and "Urge answered" in body

        # The supervisor may urge again; the unit may not reply twice; an outsider finds nothing.
        assert supervisor.get(page_url).context["urge_form"] is not None
        assert unit.post(f"/urges/{urge.pk}/reply/", {"note": "再答"}).status_code == 409
        assert browser(demo, "outsider").post(f"/urges/{urge.pk}/reply/", {"note": "x"}).status_code == 404
        assert browser(demo, "dispatcher").post(
            f"/cases/{case.reference}/urges/", {"note": "催", "reply_by": "2026-12-04T17:00"}
        ).status_code == 403


def test_the_urge_list_masks_personal_data_for_those_who_do_not_read_it(demo):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        browser(demo, "supervisor").post(
            f"/cases/{case.reference}/urges/",
            {"note": "请联系李先生 13912345678", "reply_by": "2026-12-04T17:00"},
        )
        page_url = f"/cases/{case.reference}/"
        grid = browser(demo, "gridworker").get(page_url)
        (shown,) = grid.context["urges"]
        assert "13912345678" not in shown.note and "李先生" not in shown.note
        dispatcher = browser(demo, "dispatcher").get(page_url)
        assert dispatcher.context["urges"][0].note == "请联系李先生 13912345678"
        assert Urge.objects.get(case=case).note == "请联系李先生 13912345678"
