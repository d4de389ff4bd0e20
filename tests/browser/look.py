"""Helpers of the page-check suite (``test_look.py``): what "a page looks right" means.

Each check is a small script run in the page; it returns a list of readable
problems (empty when the page passes). The thresholds live here so a page can
override them in ``test_look.PAGES``.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

# Loaded from the app's own static files: the Content-Security-Policy refuses the
# inline script ``add_script_tag(path=...)`` would insert.
AXE = next(Path(settings.BASE_DIR, "static").glob("vendor/axe-core-*/axe.min.js"))
AXE_URL = (
    settings.STATIC_URL + AXE.relative_to(Path(settings.BASE_DIR, "static")).as_posix()
)
SCREENSHOTS = Path(settings.BASE_DIR, "var", "test-artifacts", "screenshots")
CHECKS = ("width", "columns", "overlap", "height", "axe")
# Seconds spent per step over the whole run, printed with the suite's duration.
TIMINGS: Counter[str] = Counter()
SHOT_HEIGHT = 6_000  # px
FULL_PAGE_MAX = 16_000  # px: Chromium paints no taller full-page screenshot


@dataclass(frozen=True, slots=True)
class Page:
    """A page of the suite: its URL name, the role that opens it and its limits."""

    name: str
    role: str = "owner"
    query: str = ""
    max_height: int = 15_000  # px; a long list by design raises it
    phone: bool = False  # also read at phone width (must not scroll sideways)


@dataclass(slots=True)
class Seen:
    """What the checks found on one page, per check, across languages and widths."""

    problems: dict[str, list[str]] = field(
        default_factory=lambda: {check: [] for check in CHECKS}
    )
    axe_rules: dict[str, set[str]] = field(default_factory=dict)  # rule -> combos


# Every element that sticks out of the viewport (and is not inside something that
# clips or scrolls it), plus the document's own sideways scroll.
WIDTH_JS = """
() => {
  const vw = document.documentElement.clientWidth;
  const problems = [];
  if (document.documentElement.scrollWidth > vw + 1)
    problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw} px`);
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX !== 'visible' || s.position === 'fixed') return true;
    }
    return false;
  };
  const reported = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if (r.right <= vw + 1 && r.left >= -1) continue;
    if ([...reported].some((p) => p.contains(el))) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.position === 'absolute' && r.right < 0) continue;
    if (clipped(el)) continue;
    reported.add(el);
    problems.push(`${describe(el)} spans ${Math.round(r.left)}..${Math.round(r.right)} px of ${vw}`);
  }
  return problems.slice(0, 8);
}
"""

# Text squeezed into a narrow column: a paragraph or cell holding real text
# narrower than 300 px (or than 40 % of the viewport on small screens), and
# any run of words folded to a few characters per line.
# A container marked ``data-look-margin`` is skipped: a margin of labelled controls
# laid out by design (the document page's coding stripes: short vertical labels,
# each whole in its button's title and accessible name and shown on hover and
# focus), not a column of running text.
COLUMNS_JS = """
() => {
  const vw = document.documentElement.clientWidth;
  const wide = Math.min(300, vw * 0.4);
  const problems = [];
  const own = (el) => [...el.childNodes].filter((n) => n.nodeType === 3)
      .map((n) => n.data).join('').replace(/\\s+/g, ' ').trim();
  for (const el of document.body.querySelectorAll('p, td, dd, li, blockquote, .text, .quote, span, div')) {
    if (el.closest('[data-look-margin]')) continue;
    const s = getComputedStyle(el);
    if (s.display === 'inline' || s.display === 'none' || s.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (!r.height) continue;
    const all = el.textContent.replace(/\\s+/g, ' ').trim();
    const lineHeight = parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.4;
    // Words folded to a few characters per line (a column squeezed to nothing).
    if (all.length >= 30 && r.width < 80 && r.height > 5 * lineHeight) {
      problems.push(`${describe(el)} is ${Math.round(r.width)} px wide and ${Math.round(r.height)} px high for ${all.length} characters: "${all.slice(0, 40)}"`);
      continue;
    }
    const text = own(el);
    if (text.length >= 150 && s.whiteSpace !== 'nowrap' && r.width < wide)
      problems.push(`${describe(el)} is ${Math.round(r.width)} px wide for ${text.length} characters: "${text.slice(0, 40)}"`);
  }
  return problems.slice(0, 8);
}
"""

# Visible links, buttons and fields whose boxes intersect (nesting aside), each box
# cut to what its scrolling ancestors show.
OVERLAP_JS = """
() => {
  const visibleBox = (el) => {
    let r = el.getBoundingClientRect();
    let box = {l: r.left, t: r.top, r: r.right, b: r.bottom};
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      const c = p.getBoundingClientRect();
      box = {l: Math.max(box.l, c.left), t: Math.max(box.t, c.top),
             r: Math.min(box.r, c.right), b: Math.min(box.b, c.bottom)};
    }
    return box.r - box.l > 1 && box.b - box.t > 1 ? box : null;
  };
  const items = [];
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]';
  for (const el of document.querySelectorAll(selector)) {
    if (el.closest('[hidden], .visually-hidden, .skip-link')) continue;
    if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    const box = visibleBox(el);
    if (box) items.push([el, box]);
  }
  items.sort((x, y) => x[1].t - y[1].t);
  const problems = [];
  for (let i = 0; i < items.length; i++) {
    const [a, ra] = items[i];
    for (let j = i + 1; j < items.length && items[j][1].t < ra.b; j++) {
      const [b, rb] = items[j];
      if (a.contains(b) || b.contains(a)) continue;
      const w = Math.min(ra.r, rb.r) - Math.max(ra.l, rb.l);
      const h = Math.min(ra.b, rb.b) - Math.max(ra.t, rb.t);
      if (w > 2 && h > 2) problems.push(`${describe(a)} overlaps ${describe(b)} (${Math.round(w)}×${Math.round(h)} px)`);
    }
  }
  return problems.slice(0, 8);
}
"""

DESCRIBE_JS = """
window.describe = (el) => {
  let name = el.tagName.toLowerCase();
  if (el.id) name += '#' + el.id;
  else if (el.classList.length) name += '.' + [...el.classList].slice(0, 2).join('.');
  const label = (el.getAttribute('aria-label') || el.textContent || el.value || '')
      .replace(/\\s+/g, ' ').trim().slice(0, 30);
  return label ? `${name} "${label}"` : name;
};
"""

AXE_JS = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({id: v.id, impact: v.impact, count: v.nodes.length,
                  target: v.nodes[0].target.join(' ')}));
}
"""


def look_at(page, spec: Page, combo: str, seen: Seen, *, axe: bool = True) -> None:
    """Run every check on the loaded ``page`` and add what fails to ``seen``.

    axe-core is the slow part; callers run it at one width per language (its
    rules — names, labels, contrast, landmarks — do not depend on the width)."""
    started = time.monotonic()
    page.evaluate(f"() => {{ {DESCRIBE_JS} }}")
    where = f"[{combo}]"
    for check, script in (
        ("width", WIDTH_JS),
        ("columns", COLUMNS_JS),
        ("overlap", OVERLAP_JS),
    ):
        seen.problems[check] += [f"{where} {p}" for p in page.evaluate(script)]
    height = page.evaluate("() => document.documentElement.scrollHeight")
    if height > spec.max_height:
        seen.problems["height"].append(
            f"{where} page is {height} px high (limit {spec.max_height})"
        )
    TIMINGS["geometry"] += time.monotonic() - started
    if axe:
        started = time.monotonic()
        page.add_script_tag(url=AXE_URL)
        for violation in page.evaluate(AXE_JS):
            seen.problems["axe"].append(
                f"{where} {violation['impact']} {violation['id']} ×{violation['count']}"
                f" e.g. {violation['target']}"
            )
            seen.axe_rules.setdefault(violation["id"], set()).add(combo)
        TIMINGS["axe"] += time.monotonic() - started
    started = time.monotonic()
    key = spec.name if spec.role == "owner" else f"{spec.name}@{spec.role}"
    slug = re.sub(r"[^\w-]", "_", key)  # one file per page and role
    shot = SCREENSHOTS / combo / f"{slug}.jpg"
    # The whole page, cut at SHOT_HEIGHT: long lists repeat themselves below it.
    width = page.evaluate("document.documentElement.clientWidth")
    clip = {"x": 0, "y": 0, "width": width, "height": min(height, SHOT_HEIGHT)}
    if height <= FULL_PAGE_MAX:
        page.screenshot(
            path=str(shot), full_page=True, clip=clip, type="jpeg", quality=60
        )
    else:  # Chromium never finishes a full-page shot this tall: its top, as tall a window
        viewport = page.viewport_size
        page.set_viewport_size({"width": viewport["width"], "height": clip["height"]})
        page.screenshot(path=str(shot), clip=clip, type="jpeg", quality=60)
        page.set_viewport_size(viewport)
    TIMINGS["screenshot"] += time.monotonic() - started
