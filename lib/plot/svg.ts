/**
 * The small SVG vocabulary of the plots: short numbers, escaped text, text
 * width estimates for layout, and the pieces both pictures share (the
 * document shell, titles, legends). Output is a plain string, built in a
 * fixed order, so the same input gives the same bytes.
 */

/** The font stack; DejaVu Sans first, the font the text widths below are measured for. */
export const FONT = "'DejaVu Sans', Verdana, 'Helvetica Neue', Arial, sans-serif";

export const INK = '#1f2328';
export const MUTED = '#57606a';
export const GRID = '#e6e9ee';

/** A length rounded to 0.1 px, as short text: 12.3, -4, 0 (never -0 or an exponent for plot coordinates). */
export function px(x: number): string {
  const r = Math.round(x * 10) / 10;
  return r === 0 ? '0' : String(r);
}

/** Text escaped for element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Approximate advance width of `text` at `size` px in DejaVu Sans (≈ 0.6 em per glyph, narrower for digits' neighbours is ignored). */
export function textWidth(text: string, size: number): number {
  let em = 0;
  for (const ch of text) em += /[ .,:;|!il'’()[\]1ı·]/.test(ch) ? 0.34 : /[mwMW—–%]/.test(ch) ? 0.9 : /[A-Z]/.test(ch) ? 0.68 : 0.6;
  return em * size;
}

export type Anchor = 'start' | 'middle' | 'end';

/** A text element; `rotate` turns it about its anchor point (−90: reads bottom to top). */
export function text(
  x: number,
  y: number,
  content: string,
  options: { size: number; anchor?: Anchor; weight?: 'bold'; fill?: string; rotate?: number; className?: string },
): string {
  const { size, anchor = 'start', weight, fill = INK, rotate, className } = options;
  let attrs = `x="${px(x)}" y="${px(y)}" font-size="${size}"`;
  if (anchor !== 'start') attrs += ` text-anchor="${anchor}"`;
  if (weight) attrs += ` font-weight="${weight}"`;
  if (fill !== INK) attrs += ` fill="${fill}"`;
  if (rotate) attrs += ` transform="rotate(${rotate} ${px(x)} ${px(y)})"`;
  if (className) attrs += ` class="${className}"`;
  return `<text ${attrs}>${escapeXml(content)}</text>`;
}

/** The opening of a document of width × height px on white, with an accessible title. */
export function documentStart(width: number, height: number, title: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" viewBox="0 0 ${px(width)} ${px(height)}" font-family="${escapeXml(FONT)}" fill="${INK}">\n` +
    `<title>${escapeXml(title)}</title>\n` +
    `<rect width="100%" height="100%" fill="#ffffff"/>\n`
  );
}

/** The title (bold) and subtitle (muted) lines at the top left; returns the y below them. */
export function heading(parts: string[], x: number, title: string | undefined, subtitle: string | undefined): number {
  let y = 14;
  if (title) {
    y += 18;
    parts.push(text(x, y, title, { size: 17, weight: 'bold', className: 'title' }));
  }
  if (subtitle) {
    y += title ? 20 : 14;
    parts.push(text(x, y, subtitle, { size: 12.5, fill: MUTED, className: 'subtitle' }));
  }
  return y;
}

/** One legend entry: a swatch drawn in a 24 × 12 box at (x, y − 6), then its label. */
export interface LegendItem {
  label: string;
  swatch: (x: number, y: number) => string;
}

const SWATCH = 24;

/** The width of a legend laid out in one row. */
export function legendRowWidth(items: readonly LegendItem[], size: number): number {
  return items.reduce((w, item, i) => w + SWATCH + 6 + textWidth(item.label, size) + (i > 0 ? 22 : 0), 0);
}

/** A legend in one row starting at (x, y), y the middle of the row. */
export function legendRow(items: readonly LegendItem[], x: number, y: number, size: number): string {
  const out = ['<g class="legend">'];
  for (const item of items) {
    out.push(item.swatch(x, y), text(x + SWATCH + 6, y + size * 0.36, item.label, { size }));
    x += SWATCH + 6 + textWidth(item.label, size) + 22;
  }
  out.push('</g>');
  return out.join('');
}

/** A legend in one column starting at (x, y), y the middle of the first row; rows `step` px apart. */
export function legendColumn(items: readonly LegendItem[], x: number, y: number, size: number, step: number): string {
  const out = ['<g class="legend">'];
  items.forEach((item, i) => out.push(item.swatch(x, y + i * step), text(x + SWATCH + 6, y + i * step + size * 0.36, item.label, { size })));
  out.push('</g>');
  return out.join('');
}

export const SWATCH_WIDTH = SWATCH;
