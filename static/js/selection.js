// Text selections inside a rendered transcript, as code-point offsets.
// Every piece of text is a <span data-s="N"> whose text starts at code point N.
import { codePointsToUtf16, utf16ToCodePoints } from "./offsets.js";

/** Code-point offset in the document of a DOM boundary point inside `container`. */
export function pointOffset(container, node, offset) {
  if (node.nodeType === Node.TEXT_NODE) {
    const span = node.parentElement.closest("span[data-s]");
    if (span && container.contains(span)) {
      return Number(span.dataset.s) + utf16ToCodePoints(node.data, offset);
    }
  }
  // A boundary between elements (a gutter, a block edge): the next text piece.
  const spans = container.querySelectorAll("span[data-s]");
  const probe = document.createRange();
  probe.setStart(node, offset);
  probe.collapse(true);
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (probe.comparePoint(spans[mid], 0) >= 0) hi = mid;
    else lo = mid + 1;
  }
  if (lo < spans.length) return Number(spans[lo].dataset.s);
  const last = spans[spans.length - 1];
  return last ? Number(last.dataset.s) + [...last.textContent].length : 0;
}

/** The current selection inside `container` as {start, end} code points, or null. */
export function selectedSpan(container) {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!container.contains(range.commonAncestorContainer)) return null;
  const start = pointOffset(container, range.startContainer, range.startOffset);
  const end = pointOffset(container, range.endContainer, range.endOffset);
  return end > start ? { start, end } : null;
}

/** The DOM point of code point `at`: in the last piece starting before it (or at
 * it, when `after` is false), so an end never slips into the next block. */
function domPoint(container, at, after) {
  let found = null;
  for (const span of container.querySelectorAll("span[data-s]")) {
    const s = Number(span.dataset.s);
    if (s > at || (after && s === at && found)) break;
    found = span;
  }
  if (!found?.firstChild) return null;
  const text = found.firstChild.data;
  return [found.firstChild, Math.min(codePointsToUtf16(text, at - Number(found.dataset.s)), text.length)];
}

/** Select code points [start, end) inside `container` (after a repaint replaced
 * the pieces the user had selected). */
export function selectCodePoints(container, start, end) {
  const from = domPoint(container, start, false);
  const to = domPoint(container, end, true);
  if (!from || !to) return;
  const range = document.createRange();
  range.setStart(...from);
  range.setEnd(...to);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}
