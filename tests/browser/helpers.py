"""What the browser tests do in a page: log in, select text as a user drags over it, open the
demo article, and check that the console stayed clean."""

from __future__ import annotations

from playwright.sync_api import expect

DEMO_PASSWORD = "factcheck-demo"  # every user of `manage.py seed_demo`


def log_in(page, username: str, password: str = "pw-for-tests") -> None:
    """Log in through the login form, as a person would."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


# Select from the start of `first` to the end of `last` (both searched in the text content of
# #article-text, `last` after `first`), as a user dragging over the text would.
SELECT = """([first, last]) => {
    const root = document.getElementById("article-text");
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    let text = "";
    while (walker.nextNode()) {
        nodes.push([walker.currentNode, text.length]);
        text += walker.currentNode.data;
    }
    const from = text.indexOf(first);
    const to = text.indexOf(last, from) + last.length;
    if (from < 0 || to < last.length) throw new Error("not in the text: " + first + " … " + last);
    const inside = (at, end) => nodes.find(([node, start]) =>
        end ? at > start && at <= start + node.length : at >= start && at < start + node.length);
    const [startNode, startAt] = inside(from, false);
    const [endNode, endAt] = inside(to, true);
    const range = document.createRange();
    range.setStart(startNode, from - startAt);
    range.setEnd(endNode, to - endAt);
    // A person selects what they see: bring it into view first.
    startNode.parentElement.scrollIntoView({block: "center"});
    const selection = document.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
}"""


def select_text(page, first: str, last: str | None = None) -> None:
    page.evaluate(SELECT, [first, last or first])


def no_console_trouble(console, *, answered: tuple[int, ...] = ()) -> None:
    """No CSP violation and no script error. `answered`: HTTP statuses the test expects the
    server to give a form (the browser logs those responses as console errors too)."""
    expected = tuple(
        f"error: Failed to load resource: the server responded with a status of {status} "
        for status in answered
    )
    assert console.csp_violations() == []
    assert [m for m in console.errors() if not m.startswith(expected or ("\0",))] == []


def open_demo(open_page, demo, username: str = "reviewer", width: int = 1280):
    page, console = open_page(width)
    log_in(page, username, password=DEMO_PASSWORD)
    page.goto(f"/articles/{demo.pk}/")
    expect(page.locator("#article-text")).to_be_visible()
    return page, console
