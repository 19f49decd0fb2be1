"""Helpers the browser journeys share: logging in, reading money off a page, the maker's share
worked out from docs/design.md's formula, axe-core, labels, focus and the language switch."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from playwright.sync_api import Page, expect

from coopshop.money import split_largest_remainder

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
EN_CATALOGUE = ROOT / "coopshop" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PASSWORD = "demo-12345"  # noqa: S105 (the documented demo logins)
MAX_TABS = 80


def log_in(page: Page, email: str) -> None:
    """Through the login form, as a person would."""
    page.goto("/auth/login")
    page.get_by_label("E-posta").fill(email)
    page.get_by_label("Parola").fill(PASSWORD)
    page.get_by_role("button", name="Giriş yap").click()
    expect(page.locator(".alert-success").first).to_contain_text("Hoş geldiniz")


def settle_images(page: Page) -> None:
    """Wait until the images in view have loaded (lazy ones below the fold are left alone)."""
    page.wait_for_function(
        """() => Array.from(document.images)
             .filter(i => i.getBoundingClientRect().top < window.innerHeight)
             .every(i => i.complete)""",
        timeout=10_000,
    )


# ---- money -------------------------------------------------------------------------------

_AMOUNT = re.compile(r"[-−]?\s*(?:₺|TRY)\s*[\d.,]+")


def kurus(text: str) -> int:
    """ "₺1.234,50" -> 123450, "-₺5,00" -> -500, "TRY 1,234.50" -> 123450 (the en format)."""
    found = _AMOUNT.search(text.replace("\xa0", " "))
    if not found:
        raise ValueError(f"no amount in {text!r}")
    raw = found.group(0)
    negative = raw.lstrip().startswith(("-", "−"))
    digits = re.sub(r"[^\d.,]", "", raw)
    if "TRY" in raw:  # English: 1,234.50
        whole, _, frac = digits.replace(",", "").partition(".")
    else:  # Turkish: 1.234,50
        whole, _, frac = digits.replace(".", "").partition(",")
    value = int(whole or "0") * 100 + int((frac or "0").ljust(2, "0")[:2])
    return -value if negative else value


def lira(amount: int) -> str:
    """123450 -> "₺1.234,50": what the shop prints in Turkish."""
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 100)
    return f"{sign}₺{whole:,}".replace(",", ".") + f",{frac:02d}"


def round_half_up(numerator: int, denominator: int) -> int:
    q, r = divmod(numerator, denominator)
    return q + (1 if 2 * r >= denominator else 0)


def line_split(piece: dict, quantity: int) -> dict[str, int]:
    """A line of ``quantity`` by docs/design.md: net = round(G·10000/(10000+v)), vat = G − net,
    commission = round(net·c/10000), makers = net − commission, split by shares with largest
    remainder; ``her`` is the demo maker's part."""
    gross = piece["price_kurus"] * quantity
    net = round_half_up(gross * 10_000, 10_000 + piece["vat_bp"])
    commission = round_half_up(net * piece["commission_bp"], 10_000)
    parts = split_largest_remainder(net - commission, piece["makers"])
    return {
        "gross": gross,
        "vat": gross - net,
        "commission": commission,
        "her": parts[piece["maker_index"]],
    }


def maker_share(piece: dict, quantity: int) -> int:
    return line_split(piece, quantity)["her"]


# ---- accessibility -----------------------------------------------------------------------


def axe_violations(page: Page, impacts=("serious", "critical")) -> list[str]:
    """axe-core's violations of the given impact on the page as it is now, one line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the browser's debugging protocol, not as a <script> tag: the shop's
        # Content-Security-Policy refuses inline scripts, and must not be relaxed for a test tool.
        page.evaluate(AXE_JS.read_text())
    results = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' +
                                             (n.failureSummary || '').replace(/\\s+/g, ' '))}));
        }"""
    )
    return [
        f"{v['impact']} {v['id']} ({v['help']}): " + " | ".join(v["nodes"])
        for v in results
        if v["impact"] in impacts
    ]


def unlabelled_fields(page: Page) -> list[str]:
    """Visible form fields with no accessible name from a <label>, aria-label or -labelledby."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('input, select, textarea'))
             .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
             .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                           && !el.getAttribute('aria-labelledby'))
             .map(el => el.outerHTML.slice(0, 120))"""
    )


_FOCUS_INFO = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const s = getComputedStyle(el);
    return {
        id: el.id, tag: el.tagName, text: (el.innerText || el.value || '').trim().slice(0, 40),
        outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
        shadow: s.boxShadow && s.boxShadow !== 'none',
    };
}"""


def tab_to(page: Page, selector: str, max_tabs: int = MAX_TABS) -> list[dict]:
    """Press Tab until ``selector`` has the focus; every element passed on the way must show
    that it has the focus (an outline or a focus shadow). Returns the elements passed."""
    target = page.locator(selector)
    passed: list[dict] = []
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        info = page.evaluate(_FOCUS_INFO)
        if info is None:
            continue
        for _wait in range(4):  # a focus ring may fade in (a CSS transition)
            if info["outline"] or info["shadow"]:
                break
            page.wait_for_timeout(100)
            info = page.evaluate(_FOCUS_INFO)
        passed.append(info)
        assert info["outline"] or info["shadow"], f"focus is not visible on {info}"
        if target.evaluate("el => el === document.activeElement"):
            return passed
    raise AssertionError(f"{selector} not reached with {max_tabs} Tab presses: {passed[-5:]}")


# ---- language ----------------------------------------------------------------------------


@cache
def untranslated_markers() -> frozenset[str]:
    """Turkish msgids whose English differs: one of them shown on an English page means a
    string that missed translation. Strings with placeholders are left out (they never show
    as written), and so are very short ones."""
    from babel.messages.pofile import read_po

    with EN_CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    found = set()
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if "%(" in msgid or len(msgid) < 4 or msgid in strings:
                continue
            found.add(msgid)
    return frozenset(found)


def shown_catalogue_ids(page: Page) -> list[str]:
    """Texts on the page that are, word for word, a Turkish msgid of the catalogue."""
    texts = page.evaluate(
        """() => {
            const out = [];
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const node = walker.currentNode;
                const el = node.parentElement;
                if (!el || el.closest('script, style, [lang="tr"]')) continue;
                const t = node.textContent.replace(/\\s+/g, ' ').trim();
                if (t) out.push(t);
            }
            document.querySelectorAll('[aria-label], [placeholder], [title], img[alt]').forEach(
                el => ['aria-label', 'placeholder', 'title', 'alt'].forEach(a => {
                    const v = el.getAttribute(a); if (v) out.push(v.trim()); }));
            return out;
        }"""
    )
    markers = untranslated_markers()
    return sorted({t for t in texts if t in markers})


def switch_language(page: Page, to: str) -> None:
    """Press the language button in the menu (opening the menu first on a phone)."""
    label = {"en": "English", "tr": "Türkçe"}[to]
    button = page.locator("nav.navbar").get_by_role("button", name=label, exact=True)
    open_menu(page)
    button.click()
    expect(page.locator("html")).to_have_attribute("lang", to)


def open_menu(page: Page) -> None:
    """On a narrow screen the menu is folded behind the toggler: open it."""
    page.wait_for_load_state("load")  # Bootstrap's script, at the end of the page, is in
    toggler = page.locator("nav.navbar .navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        expect(page.locator("#nav")).to_be_visible()
