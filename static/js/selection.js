// Text selections inside a rendered transcript, as code-point offsets.
// Every piece of text is a <span data-s="N"> whose text starts at code point N.
import { utf16ToCodePoints } from "./offsets.js";

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
