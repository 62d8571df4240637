"""Fixtures for the page tests: the seeded street, logged-in clients and a headless Chromium."""

import importlib
import os

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the browser test
# makes between page actions (seeding, final DB checks) are still plain synchronous code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CASEWORK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pw-pages"
PHONE = "13812345678"
PHONE_MASKED = "138****5678"


@pytest.fixture
def street(db):
    """seed_demo's street, communities, units and users; the category tree and the default
    SLA policies too (a transactional test's flush wipes that migration data)."""
    from django.apps import apps

    from casework.demo import demo_seed

    demo_seed(password=PASSWORD, cases=False)
    importlib.import_module("casework.migrations.0002_seed_categories").seed(apps, None)
    importlib.import_module("casework.migrations.0004_seed_sla_policies").seed(apps, None)


@pytest.fixture
def page_client(street):
    """page_client("dispatcher") → a Django test client logged in as that user, in English."""

    def client_for(username: str | None = None):
        from django.contrib.auth import get_user_model
        from django.test import Client

        browser = Client(HTTP_ACCEPT_LANGUAGE="en")
        if username is not None:
            browser.force_login(get_user_model().objects.get(username=username))
        return browser

    return client_for


def _browser_missing(reason: str):
    if os.environ.get("CASEWORK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (CASEWORK_REQUIRE_BROWSER=1 forbids skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright; skipped when absent unless it is required."""
    if not os.path.exists(CHROMIUM):
        _browser_missing(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_missing("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium):
    """new_phone() → a fresh phone-sized browser context (own cookies) showing Chinese."""
    contexts = []

    def new_phone():
        context = chromium.new_context(
            viewport={"width": 360, "height": 740},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield new_phone
    for context in contexts:
        context.close()
