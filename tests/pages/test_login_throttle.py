"""Sign-in limits on /login/ and /admin/login/: failed sign-ins per account and per address,
refused over the limit with a sentence saying why and for how long, whatever the client says
in X-Forwarded-For; a right password works again once the window ends."""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests
from django.test import Client

from tests.pages.test_pages import html_of

LOGIN_PAGES = ["/login/", "/admin/login/"]
WRONG = "correct username and password"  # the usual error, on both pages
ACCOUNT_LIMIT = "Too many failed sign-ins for this account; try again in 15 minutes."
ADDRESS_LIMIT = "Too many failed sign-ins from your address; try again in 15 minutes."


@pytest.fixture
def staff(desk):
    """The desk's reviewer may also sign in to /admin/."""
    desk.reviewer.is_staff = True
    desk.reviewer.save()
    return desk.reviewer


def sign_in(client: Client, page: str, username: str, password: str, **headers: str):
    return client.post(page, {"username": username, "password": password}, **headers)


def answers(responses) -> list[str]:
    """Each answer in words: signed in, wrong (the usual error), or refused (429 + message)."""
    said = []
    for response in responses:
        if response.status_code == 302:
            said.append("signed in")
        elif response.status_code == 200 and WRONG in html_of(response):
            said.append("wrong")
        elif response.status_code == 429:
            assert int(response["Retry-After"]) > 0
            said.append(re.search(r"Too many failed sign-ins [^<]*", html_of(response))[0].strip())
        else:
            said.append(f"{response.status_code}?")
    return said


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_sixty_wrong_passwords_for_one_account_are_refused_after_five(client, staff, page):
    tries = [sign_in(client, page, "reviewer-user", f"guess-{i}") for i in range(60)]

    assert answers(tries) == ["wrong"] * 5 + [ACCOUNT_LIMIT] * 55
    page_html = html_of(tries[-1])
    assert 'role="alert"' in page_html or "errornote" in page_html
    # The right password is refused too, until the window ends.
    assert answers([sign_in(client, page, "reviewer-user", "pw-for-tests")]) == [ACCOUNT_LIMIT]
    # Another account is still open from this address: refused attempts are not counted there.
    assert answers([sign_in(client, page, "viewer-user", "nope")]) == ["wrong"]


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_sixty_wrong_passwords_from_one_address_are_refused_after_twenty(client, staff, page):
    tries = [sign_in(client, page, f"someone-{i}", "guess") for i in range(60)]

    assert answers(tries) == ["wrong"] * 20 + [ADDRESS_LIMIT] * 40
    right = sign_in(client, page, "reviewer-user", "pw-for-tests")
    assert answers([right]) == [ADDRESS_LIMIT]
    elsewhere = Client(REMOTE_ADDR="192.0.2.77")
    assert answers([sign_in(elsewhere, page, "reviewer-user", "pw-for-tests")]) == ["signed in"]


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_a_new_x_forwarded_for_per_guess_changes_nothing(client, staff, page):
    tries = [
        sign_in(client, page, f"someone-{i}", "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
        for i in range(60)
    ]

    assert answers(tries) == ["wrong"] * 20 + [ADDRESS_LIMIT] * 40


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_the_right_password_works_again_after_the_window(client, staff, settings, page):
    settings.FACTCHECK_LOGIN_WINDOW_SECONDS = 2
    tries = [sign_in(client, page, "reviewer-user", f"guess-{i}") for i in range(6)]
    refused = sign_in(client, page, "reviewer-user", "pw-for-tests")

    assert (
        answers([*tries, refused])
        == ["wrong"] * 5 + ["Too many failed sign-ins for this account; try again in 1 minute."] * 2
    )
    assert 1 <= int(refused["Retry-After"]) <= 2

    time.sleep(2.2)
    assert answers([sign_in(client, page, "reviewer-user", "pw-for-tests")]) == ["signed in"]


def test_signing_in_clears_the_accounts_count(client, desk):
    said = []
    for _ in range(3):
        said += answers(sign_in(client, "/login/", "reviewer-user", "nope") for _ in range(4))
        said += answers([sign_in(client, "/login/", "reviewer-user", "pw-for-tests")])
        client.post("/logout/")

    assert said == (["wrong"] * 4 + ["signed in"]) * 3


def test_behind_one_trusted_proxy_the_right_most_address_counts(client, desk, settings):
    settings.FACTCHECK_TRUSTED_PROXIES = 1
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    first = [
        sign_in(proxy, "/login/", f"a-{i}", "x", HTTP_X_FORWARDED_FOR=f"spoof-{i}, 203.0.113.5")
        for i in range(21)
    ]
    second = sign_in(proxy, "/login/", "b", "x", HTTP_X_FORWARDED_FOR="203.0.113.6")

    assert answers(first) == ["wrong"] * 20 + [ADDRESS_LIMIT]
    assert answers([second]) == ["wrong"]


def test_a_missing_password_is_not_counted(client, desk):
    for _ in range(10):
        response = client.post("/login/", {"username": "reviewer-user", "password": ""})
        assert response.status_code == 200

    assert answers([sign_in(client, "/login/", "reviewer-user", "pw-for-tests")]) == ["signed in"]


def test_parallel_guesses_cannot_slip_past_the_limit(live_server, transactional_db, desk):
    """Twenty guesses at once against a real threaded server: five are tried, fifteen refused."""
    session = requests.Session()
    form = session.get(f"{live_server.url}/login/", timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    cookies = session.cookies.get_dict()
    start = threading.Barrier(20)
    statuses: list[int] = []

    def guess(i: int) -> None:
        start.wait()
        response = requests.post(
            f"{live_server.url}/login/",
            data={"csrfmiddlewaretoken": token, "username": "reviewer-user", "password": f"g{i}"},
            cookies=cookies,
            headers={"Referer": f"{live_server.url}/login/"},
            allow_redirects=False,
            timeout=30,
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] * 5 + [429] * 15
