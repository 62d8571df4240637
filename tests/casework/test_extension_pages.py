"""Extension requests on the case page (docs/extensions.md): the unit asks from its form, the
dispatcher grants or refuses from the request's card, everyone in scope reads the list."""

from datetime import datetime

import pytest
import time_machine
from django.test import Client

from casework.models import Extension, SlaTimer
from workflows.working_time import SHANGHAI

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)


def browser(demo, username: str, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(demo.user(username))
    return client


def test_the_unit_asks_from_the_case_page_and_the_dispatcher_grants(demo):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        page_url = f"/cases/{case.reference}/"
        unit = browser(demo, "unitmember")

        page = unit.get(page_url)
        assert page.status_code == 200
        body = page.content.decode()
        assert "data-extension-ask" in body and 'type="datetime-local"' in body
        assert page.context["extension_ask_form"] is not None
        # In the office's language too.
        chinese = browser(demo, "unitmember", "zh-hans").get(page_url).content.decode()
        assert "申请延期" in chinese and "新的办结期限" in chinese

        # A bad date comes back next to its field, nothing asked.
        bad = unit.post(f"/cases/{case.reference}/extensions/", {"due_at": "2026-12-01T10:00", "reason": "等配件"})
        assert bad.status_code == 400
        assert "The new due date must lie in the future." in bad.content.decode()
        assert not Extension.objects.exists()

        asked = unit.post(
            f"/cases/{case.reference}/extensions/",
            {"due_at": "2026-12-18T17:00", "reason": "等配件到货"},
            follow=True,
        )
        assert asked.redirect_chain == [(page_url, 302)]
        extension = Extension.objects.get(case=case)
        assert extension.due_at == datetime(2026, 12, 18, 17, 0, tzinfo=SHANGHAI)
        body = asked.content.decode()
        assert f'data-extension="{extension.pk}" data-state="asked"' in body
        assert "等配件到货" in body
        assert asked.context["extension_ask_form"] is None  # one pending at a time
        assert "data-extension-approve" not in body  # not the unit's to grant

        # Everyone in scope reads the list; only the approver gets the forms.
        grid = browser(demo, "gridworker").get(page_url).content.decode()
        assert f'data-extension="{extension.pk}"' in grid and "data-extension-approve" not in grid

        dispatcher = browser(demo, "dispatcher")
        page = dispatcher.get(page_url).content.decode()
        assert "data-extension-approve" in page and "data-extension-refuse" in page

        granted = dispatcher.post(f"/extensions/{extension.pk}/approve/", follow=True)
        assert granted.redirect_chain == [(page_url, 302)]
        assert f'data-extension="{extension.pk}" data-state="granted"' in granted.content.decode()
        timer = SlaTimer.objects.get(case=case, kind="resolve", state="running")
        assert timer.due_at == extension.due_at


def test_the_dispatcher_refuses_from_the_case_page_and_must_say_why(demo):
    with time_machine.travel(NOW, tick=False):
        case = demo.case_in("handling")
        browser(demo, "unitmember").post(
            f"/cases/{case.reference}/extensions/", {"due_at": "2026-12-18T17:00", "reason": "等配件"}
        )
        extension = Extension.objects.get(case=case)
        dispatcher = browser(demo, "dispatcher")

        no_reason = dispatcher.post(f"/extensions/{extension.pk}/refuse/", {"reason": ""})
        assert no_reason.status_code == 400
        extension.refresh_from_db()
        assert extension.state == "asked"

        refused = dispatcher.post(
            f"/extensions/{extension.pk}/refuse/", {"reason": "请按期办结"}, follow=True
        )
        assert refused.redirect_chain == [(f"/cases/{case.reference}/", 302)]
        body = refused.content.decode()
        assert 'data-state="refused"' in body and "请按期办结" in body

        # The unit may ask again; an outsider finds nothing.
        assert browser(demo, "unitmember").get(f"/cases/{case.reference}/").context[
            "extension_ask_form"
        ] is not None
        assert browser(demo, "outsider").post(f"/extensions/{extension.pk}/approve/").status_code == 404
