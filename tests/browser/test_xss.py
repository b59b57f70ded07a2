"""Every XSS payload, in every text field, rendered in a real browser: nothing runs.

Comment text, the anonymous participant's name, the moderator's reason, the report text and the
comment's theme go through the public thread (every page), the consultation's record, the
moderator queue, the audit log, the transparency page and the CSV export. Dialogs and
``window.__xss`` are traps; the DOM must hold no injected element.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from deliberation.models import Role
from tests.browser.conftest import login
from tests.conftest import TEST_SECRET
from tests.moderation.xss_seed import seed

TRAP = """
window.__xss = undefined;
for (const name of ["alert", "confirm", "prompt", "print", "open"]) {
  window[name] = function () { window.__xss = name; };
}
"""
INJECTED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if (["iframe", "object", "embed", "svg", "math", "img", "base", "frame", "meta"].includes(tag)
        && !el.closest("head")) bad.push(tag);
    if (tag === "script" && !(el.getAttribute("src") || "").startsWith("/static/vendor/"))
      bad.push("script");
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.trim().toLowerCase();
      if (name.startsWith("on")) bad.push(tag + "[" + name + "]");
      if (["href", "src", "action", "formaction", "xlink:href"].includes(name)
          && /^(javascript|data|vbscript):/.test(value)) bad.push(tag + "[" + name + "]");
    }
  }
  return bad;
}"""


def _check(page: Any, url: str, dialogs: list[str]) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__xss") is None, url
    assert page.evaluate(INJECTED) == [], url
    assert dialogs == [], (url, dialogs)


def test_payloads_never_run(live_server, browser_context) -> None:
    moderator_email = live_server.create_user(Role.MODERATOR, name="Moderatorka XSS")
    world = live_server.run(
        lambda session: seed(session, TEST_SECRET, moderator_email=moderator_email)
    )
    cid = world["consultation_id"]
    dialogs: list[str] = []
    public = browser_context().new_page()
    public.add_init_script(TRAP)
    public.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for page_number in range(1, 10):
        _check(
            public,
            f"{live_server.url}/consultations/{cid}/comments?sort=oldest&page={page_number}",
            dialogs,
        )
    _check(public, f"{live_server.url}/consultations/{cid}/moderation/transparency", dialogs)
    # The payloads are also the comments' themes, listed in the consultation's record.
    _check(public, f"{live_server.url}/consultations/{cid}", dialogs)
    for theme_id in world["theme_ids"][:3]:
        _check(public, f"{live_server.url}/consultations/{cid}?theme={theme_id}", dialogs)
    assert public.locator(".themes li").count() > 0

    staff = browser_context().new_page()
    staff.add_init_script(TRAP)
    staff.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(staff, live_server, moderator_email)
    for path in (
        f"/consultations/{cid}/comments",
        "/moderation",
        "/moderation?show=hidden",
        "/moderation/audit",
    ):
        _check(staff, live_server.url + path, dialogs)
    exported = staff.request.get(f"{live_server.url}/moderation/audit.csv")
    rows = list(csv.reader(io.StringIO(exported.body().decode("utf-8-sig"))))
    assert len(rows) > 60
    assert all(not cell.lstrip().startswith(("=", "+", "-", "@")) for row in rows for cell in row)
