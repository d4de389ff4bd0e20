// Offsets: the server counts Unicode code points (Python str indices); the DOM counts
// UTF-16 code units. These two functions are the only place that converts.

/** Code points in the first `utf16Offset` UTF-16 units of `text`. */
export function utf16ToCodePoints(text, utf16Offset) {
  let points = 0;
  let i = 0;
  const stop = Math.min(utf16Offset, text.length);
  while (i < stop) {
    const unit = text.charCodeAt(i);
    const isHighSurrogate = unit >= 0xd800 && unit <= 0xdbff;
    i += isHighSurrogate && i + 1 < text.length ? 2 : 1;
    points += 1;
  }
  return points;
}

/** UTF-16 units taken by the first `codePoints` code points of `text`. */
export function codePointsToUtf16(text, codePoints) {
  let units = 0;
  let seen = 0;
  while (seen < codePoints && units < text.length) {
    const unit = text.charCodeAt(units);
    const isHighSurrogate = unit >= 0xd800 && unit <= 0xdbff;
    units += isHighSurrogate && units + 1 < text.length ? 2 : 1;
    seen += 1;
  }
  return units;
}
