// The document page's painter: highlights, margin stripes, the codes panel and the
// coding list, drawn from the compact codings data the server sends
// ([id, start, end, code, coder, memo head]; offsets in code points).
import { codePointsToUtf16 } from "./offsets.js";

const DENSE = 8; // past this many lanes side by side, the margin draws narrow stripes
const GAP = 2; // px between two stripes in one lane

/** Blocks of the transcript as the server sent them (bare text in
 * <section class="block" data-s>), each given its gutter and a text span. */
export function readBlocks(docText) {
  const sections = [...docText.querySelectorAll("section.block")];
  const length = Number(docText.dataset.length);
  return sections.map((el, index) => {
    const text = el.textContent;
    const start = Number(el.dataset.s);
    const gutter = document.createElement("div");
    gutter.className = "gutter";
    gutter.contentEditable = "false";
    if (el.dataset.t) {
      const stamp = document.createElement("span");
      stamp.className = "timestamp";
      stamp.textContent = el.dataset.t;
      gutter.append(stamp);
    }
    const textEl = document.createElement("div");
    textEl.className = "text";
    const span = document.createElement("span");
    span.dataset.s = start;
    span.textContent = text;
    textEl.append(span);
    el.removeAttribute("data-s");
    el.replaceChildren(gutter, textEl);
    const next = sections[index + 1];
    return {
      el,
      gutter,
      textEl,
      text,
      start,
      end: next ? Number(next.dataset.s) : length,
      astral: /[\ud800-\udbff]/.test(text),
    };
  });
}

/** The page's order of codings: by start, the longer first, then by id. */
export function byPosition(a, b) {
  return a.start - b.start || b.end - a.end || a.id - b.id;
}

/** Codings as objects, in text order (start, longest first, id). */
export function parseCodings(rows) {
  return rows
    .map(([id, start, end, code, coder, memo]) => ({ id, start, end, code, coder, memo }))
    .sort(byPosition);
}

function slice(block, from, to) {
  if (!block.astral) return block.text.slice(from - block.start, to - block.start);
  const a = codePointsToUtf16(block.text, from - block.start);
  const b = codePointsToUtf16(block.text, to - block.start);
  return block.text.slice(a, b);
}

/** A passage's first characters, for the coding list. */
export function snippet(blocks, start, end, width = 80) {
  const block = blocks.find((b) => b.start <= start && b.end > start);
  if (!block) return "";
  const text = slice(block, start, Math.min(end, block.end, start + width));
  return end - start > width || end > block.end ? `${text.trimEnd()}…` : text;
}

/** Fill one block with pieces: one <span> per stretch covered by the same codings. */
export function paintBlock(block, codings, look) {
  const here = codings.filter((c) => c.start < block.end && c.end > block.start);
  const cuts = new Set([block.start, block.end]);
  for (const c of here) {
    if (c.start > block.start) cuts.add(c.start);
    if (c.end < block.end) cuts.add(c.end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  // Longest first, so the innermost (shortest) coding gives the fill.
  here.sort((a, b) => b.end - b.start - (a.end - a.start));
  const fragment = document.createDocumentFragment();
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i];
    const b = points[i + 1];
    const span = document.createElement("span");
    span.dataset.s = a;
    span.textContent = slice(block, a, b);
    const covering = here.filter((c) => c.start <= a && c.end >= b);
    if (covering.length) look(span, covering);
    fragment.append(span);
  }
  block.textEl.replaceChildren(fragment);
}

/** Lanes for stripes, in pixels: each stripe ({id, top, bottom}, in text order) takes
 * the first lane free at its top (interval colouring), so no two stripes — nor their
 * labels — ever overlap. Lanes are as many as needed; past DENSE the margin narrows. */
export function assignLanes(stripes) {
  const lanesEnd = [];
  const lanes = new Map();
  for (const s of stripes) {
    let lane = lanesEnd.findIndex((end) => end + GAP <= s.top);
    if (lane === -1) lane = lanesEnd.length;
    lanesEnd[lane] = s.bottom;
    lanes.set(s.id, lane);
  }
  return { lanes, count: lanesEnd.length, dense: lanesEnd.length > DENSE };
}

/** First and last painted piece of every coding, in one pass over the pieces. */
export function pieceBounds(docText) {
  const bounds = new Map();
  for (const span of docText.querySelectorAll("span.hl")) {
    for (const id of span.dataset.c.split(",")) {
      const seen = bounds.get(id);
      if (seen) seen[1] = span;
      else bounds.set(id, [span, span]);
    }
  }
  return bounds;
}
