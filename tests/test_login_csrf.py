"""Login CSRF: another site cannot sign your browser in as its own key. A sign-in link it
links to only shows a confirmation naming the key; a form it posts is refused; the link
opened by the user (typed, pasted, from the terminal) signs in as before."""

from __future__ import annotations

from api.security import SESSION_COOKIE


def test_a_sign_in_link_followed_from_another_site_only_asks(api):
    link = f"/login?key={api.secrets['reader']}&next=/docs"
    asked = api.client.get(link, headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False)
    assert asked.status_code == 200 and SESSION_COOKIE not in asked.headers.get("set-cookie", "")
    assert "sign you in as the key <strong>reader</strong>" in asked.text
    old_browser = api.client.get(link, headers={"Referer": "https://evil.example/page"}, follow_redirects=False)
    assert old_browser.status_code == 200 and "set-cookie" not in old_browser.headers
    for user in ({"Sec-Fetch-Site": "none"}, {}):
        signed_in = api.client.get(link, headers=user, follow_redirects=False)
        assert signed_in.status_code == 303 and SESSION_COOKIE in signed_in.headers["set-cookie"]


def test_a_sign_in_posted_from_another_site_is_refused(api):
    form = {"key": api.secrets["reader"], "next": "/"}
    for evil in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        refused = api.client.post("/login", data=form, headers=evil, follow_redirects=False)
        assert refused.status_code == 403 and "set-cookie" not in refused.headers, evil
    same = api.client.post("/login", data=form, headers={"Origin": "http://127.0.0.1", "Sec-Fetch-Site": "same-origin"},
                           follow_redirects=False)
    assert same.status_code == 303 and SESSION_COOKIE in same.headers["set-cookie"]
