"""Security headers through HTTP: the Content-Security-Policy on every kind of page and no
inline script anywhere, HTTPS and HSTS under the production settings (and `check --deploy`
clean) (SECURITY.md, README "Security headers"). Refused requests logged as one line:
tests/casework/test_logs.py."""

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from casework.demo import demo_seed
from casework.views.evaluation_charts import stylesheet
from tests.casework.evaluation_month import Month
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
SITE_POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def policy(response) -> dict[str, set[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


class Inline(HTMLParser):
    """What a strict CSP refuses in a page: inline scripts, event-handler attributes,
    javascript: addresses, <style> elements and style attributes."""

    def __init__(self):
        super().__init__()
        self.scripts, self.handlers, self.styles = [], [], []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            # A JSON data block is never run, so CSP does not refuse it; we have none either.
            self.scripts.append(self.get_starttag_text())
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.styles.append(f"<{tag} style={value!r}>")
        if tag == "style":
            self.styles.append(self.get_starttag_text())


def inline(html: str) -> Inline:
    parser = Inline()
    parser.feed(html)
    return parser


def logged_in(username: str | None) -> Client:
    from django.contrib.auth import get_user_model

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


# ---------------------------------------------------------------- the policy on each kind of page


def test_staff_pages_get_the_site_policy(demo):
    pages = [("dispatcher", "/dispatch/"), ("supervisor", "/cases/"), ("gridworker", "/cases/new/")]
    for username, page in pages:
        response = logged_in(username).get(page)
        assert response.status_code == 200, page
        assert policy(response) == SITE_POLICY, page


def test_public_pages_and_the_login_page_get_the_site_policy(demo):
    for page in ["/report/", "/accounts/login/"]:
        response = logged_in(None).get(page)
        assert response.status_code == 200
        assert policy(response) == SITE_POLICY


def test_error_pages_get_the_site_policy(demo):
    not_found = logged_in("dispatcher").get("/cases/SS-209912-999999/")
    assert not_found.status_code == 404
    assert policy(not_found) == SITE_POLICY
    wrong_role = logged_in("gridworker").get("/dispatch/")
    assert wrong_role.status_code == 403
    assert policy(wrong_role) == SITE_POLICY
    nowhere = logged_in(None).get("/no-such-page/")
    assert nowhere.status_code == 404
    assert policy(nowhere) == SITE_POLICY


def test_the_swagger_page_is_ours_and_its_start_up_script_a_file(demo):
    client = logged_in("dispatcher")
    page = client.get("/api/docs/")
    html = page.content.decode()
    assert page.status_code == 200
    assert policy(page) == {**SITE_POLICY, "img-src": {"'self'", "data:"}}  # Swagger's icons
    found = inline(html)
    assert (found.scripts, found.handlers, found.styles) == ([], [], [])
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert "/api/docs/?script=" in sources

    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert 'url: "/api/schema/"' in script.content.decode()


def test_the_redoc_page_is_ours_and_allows_inline_style_alone(demo):
    page = logged_in("dispatcher").get("/api/redoc/")
    html = page.content.decode()
    assert page.status_code == 200
    # Redoc writes <style> elements as it draws (README "Security headers"); scripts stay ours.
    assert policy(page) == {
        **SITE_POLICY,
        "style-src": {"'self'", "'unsafe-inline'"},
        "img-src": {"'self'", "data:"},
        "worker-src": {"'self'", "blob:"},
    }
    found = inline(html)
    assert (found.scripts, found.handlers, found.styles) == ([], [], [])
    bundle = "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
    assert f'<script src="{bundle}">' in html
    assert "googleapis" not in html and "https://" not in html


def test_the_api_answers_carry_the_policy_too(api):
    response = api("dispatcher").get("/api/v1/cases/")
    assert response.status_code == 200
    assert policy(response) == SITE_POLICY


# ---------------------------------------------------------------- no inline script on any page


NOT_PAGES = ("/static/", "/i18n/", "/api/", "/accounts/logout/", "/admin/logout/")


def shape(link: str) -> str:
    return re.sub(r"[A-Z]+-\d{6}-\d{6}|\d+", "N", link)


def walk(client: Client, start: str, limit: int = 40, per_shape: int = 3) -> dict[str, str]:
    """GET the pages reachable by links from `start` (our own paths, no exports or photos),
    at most `per_shape` of each kind (/cases/N/, /consultations/N/ …) and `limit` in all;
    return path → HTML."""
    seen, queue, pages, shapes = set(), [start], {}, {}
    while queue and len(pages) < limit:
        page = queue.pop(0)
        if page in seen or shapes.get(shape(page), 0) >= per_shape:
            continue
        seen.add(page)
        shapes[shape(page)] = shapes.get(shape(page), 0) + 1
        response = client.get(page, follow=True)
        if not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        pages[response.request["PATH_INFO"]] = html
        policy(response)
        for link in re.findall(r'href="(/[^"#?]*)', html):
            if link.startswith(NOT_PAGES) or "/export." in link or link.endswith("/photo/"):
                continue
            if link.startswith("/admin/") != start.startswith("/admin/"):
                continue
            queue.append(link)
    return pages


@pytest.fixture
def street_with_cases(demo):
    demo_seed(password=PASSWORD)  # seed_demo's cases, a consultation among them
    return demo


@pytest.mark.parametrize(
    "username",
    ["gridworker", "dispatcher", "unitmember", "party_committee", "supervisor", "outsider"],
)
def test_no_page_has_inline_script_or_style(street_with_cases, username):
    pages = walk(logged_in(username), "/")
    assert len(pages) >= 3, pages.keys()
    assert any(p.startswith("/cases/SS-") for p in pages) or username == "outsider"
    for page, html in pages.items():
        found = inline(html)
        assert found.scripts == [], page
        assert found.handlers == [], page
        assert found.styles == [], page


def test_the_residents_pages_have_no_inline_script_or_style(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.cache import caches

    caches["ratelimit"].clear()
    client = logged_in(None)
    form = client.get("/report/")
    filed = client.post(
        "/report/",
        {"category": "env-garbage", "description": "3号楼东侧垃圾桶满了。", "address": "3号楼"},
    )
    assert filed.status_code == 302, filed.content.decode()
    follow = client.get(filed["Location"])  # ?new=1: the private link to copy
    assert follow.status_code == 200 and "data-follow-url" in follow.content.decode()
    for response in (form, follow):
        assert policy(response) == SITE_POLICY
        found = inline(response.content.decode())
        assert (found.scripts, found.handlers, found.styles) == ([], [], [])
    assert '<script src="/static/casework/public.js" defer>' in follow.content.decode()


def test_the_admin_has_no_inline_script_or_style(street_with_cases):
    pages = walk(logged_in("admin"), "/admin/", limit=30, per_shape=1)
    assert "/admin/casework/case/" in pages
    for page, html in pages.items():
        found = inline(html)
        assert (found.scripts, found.handlers, found.styles) == ([], [], []), page


# ---------------------------------------------------------------- the report's charts


def test_the_report_charts_carry_no_style_of_their_own(demo):
    built = Month(demo)
    built.build()
    built.run()
    page = logged_in("supervisor").get("/evaluations/2026-11/")
    html = page.content.decode()
    assert page.status_code == 200
    assert policy(page) == SITE_POLICY
    assert html.count('class="pygal-chart"') == 3
    found = inline(html)
    assert (found.scripts, found.handlers, found.styles) == ([], [], [])
    assert '<link rel="stylesheet" href="/static/casework/charts.css">' in html


def test_the_charts_stylesheet_is_what_pygal_makes_today():
    shipped = (BASE_DIR / "casework/static/casework/charts.css").read_text(encoding="utf-8")
    assert shipped == stylesheet(), (
        "Regenerate it: .venv/bin/python -m casework.views.evaluation_charts "
        "> casework/static/casework/charts.css"
    )


# ---------------------------------------------------------------- production: HTTPS and HSTS

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "k3X9-prod-secret-0123456789abcdefghijklmnopqrstuvwxyz",
}
# Requests through Django's test client in a process on the production settings, for a
# page that needs neither the database nor collected static files.
PROBED = "/.well-known/security.txt"
HTTPS_PROBE = f"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client
answers = {{"cookies_secure": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE]}}
for name, kwargs in [("http", {{}}), ("https", {{"secure": True}}),
                     ("proxied", {{"HTTP_X_FORWARDED_PROTO": "https"}})]:
    r = Client().get("{PROBED}", **kwargs)
    answers[name] = {{"status": r.status_code, "location": r.get("Location"),
                     "hsts": r.get("Strict-Transport-Security")}}
print(json.dumps(answers))
"""


def production(tmp_path, *argv: str, **env: str) -> subprocess.CompletedProcess:
    environ = {
        key: value
        for key, value in os.environ.items()
        # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE, which a deployment must not.
        if not key.startswith(("SECURE_", "DEBUG", "DJANGO_", "SECRET_KEY"))
    }
    environ.update(PRODUCTION, DATABASE_URL=f"sqlite:///{tmp_path / 'none.sqlite3'}")
    environ.update(CASEWORK_VAR_DIR=str(tmp_path), SECURITY_CONTACT="security@example.org", **env)
    return subprocess.run(
        [sys.executable, *argv],
        cwd=BASE_DIR, env=environ, capture_output=True, text=True, timeout=120,
    )


def https_answers(tmp_path, **env) -> dict:
    import json

    result = production(tmp_path, "-c", HTTPS_PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_redirects_to_https_and_sends_hsts(tmp_path):
    answers = https_answers(tmp_path)
    assert answers["http"]["status"] == 301
    assert answers["http"]["location"] == f"https://testserver{PROBED}"
    assert answers["http"]["hsts"] is None  # HSTS only over HTTPS, as the RFC says
    for name in ("https", "proxied"):  # the proxy's X-Forwarded-Proto counts as HTTPS
        assert answers[name]["status"] == 200
        assert answers[name]["hsts"] == "max-age=31536000; includeSubDomains"
    assert answers["cookies_secure"] == [True, True]


def test_production_https_settings_follow_the_environment(tmp_path):
    answers = https_answers(
        tmp_path,
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="3600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        SECURE_HSTS_PRELOAD="true",
        SECURE_PROXY_SSL_HEADER="off",
    )
    assert answers["http"]["status"] == 200  # the proxy redirects, not us
    assert answers["https"]["hsts"] == "max-age=3600; preload"
    assert answers["proxied"]["hsts"] is None  # no proxy trusted: the header is the client's


def test_production_answers_exempt_paths_over_plain_http(tmp_path):
    answers = https_answers(tmp_path, SECURE_REDIRECT_EXEMPT=r"^\.well-known/")
    assert answers["http"]["status"] == 200
    assert https_answers(tmp_path, SECURE_REDIRECT_EXEMPT=r"^healthz/$")["http"]["status"] == 301


def test_production_refuses_a_proxy_header_it_cannot_read(tmp_path):
    result = production(
        tmp_path, "-c", "import django; django.setup()", SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"
    )
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must look like HTTP_X_FORWARDED_PROTO=https" in result.stderr


def test_check_deploy_is_clean_on_production_settings(tmp_path):
    result = production(tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# ---------------------------------------------------------------- security.txt


def test_security_txt_names_the_offices_contact(client, settings):
    settings.SECURITY_CONTACT = "security@example.org"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "Contact: mailto:security@example.org"
    # 180 days after the pinned clock (2026-12-03 10:00 Beijing time)
    assert re.fullmatch(r"Expires: 2027-06-01T02:00:\d\dZ", lines[1])
    assert "Preferred-Languages: zh, en" in lines


def test_security_txt_is_absent_until_the_office_names_a_contact(client, settings):
    settings.SECURITY_CONTACT = ""
    assert client.get("/.well-known/security.txt").status_code == 404
