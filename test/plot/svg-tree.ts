/**
 * The SVG of a plot as a checked XML tree (fast-xml-parser), with the
 * lookups the plot tests need: elements by class, inherited attributes, text.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface SvgNode {
  tag: string;
  attrs: Record<string, string>;
  children: SvgNode[];
  parent: SvgNode | undefined;
  /** Text content of a text node ('#text'). */
  text?: string;
}

type Raw = Record<string, unknown>;

function build(raw: Raw[], parent: SvgNode | undefined): SvgNode[] {
  return raw.map((item) => {
    if ('#text' in item) return { tag: '#text', attrs: {}, children: [], parent, text: String(item['#text']) };
    const tag = Object.keys(item).find((k) => k !== ':@')!;
    const node: SvgNode = { tag, attrs: (item[':@'] as Record<string, string> | undefined) ?? {}, children: [], parent };
    node.children = build(item[tag] as Raw[], node);
    return node;
  });
}

/** Parses a document that must be well-formed XML with one <svg> root. */
export function parseSvg(svg: string): SvgNode {
  const valid = XMLValidator.validate(svg);
  if (valid !== true) throw new Error(`invalid XML: ${valid.err.msg} (line ${valid.err.line})`);
  const parser = new XMLParser({ ignoreAttributes: false, preserveOrder: true, attributeNamePrefix: '', trimValues: false, parseAttributeValue: false });
  const roots = build(parser.parse(svg) as Raw[], undefined).filter((n) => n.tag !== '#text' && n.tag !== '?xml');
  if (roots.length !== 1 || roots[0]!.tag !== 'svg') throw new Error(`expected one <svg> root, got ${roots.map((r) => r.tag).join(', ')}`);
  return roots[0]!;
}

export function all(node: SvgNode, keep: (n: SvgNode) => boolean, out: SvgNode[] = []): SvgNode[] {
  if (keep(node)) out.push(node);
  for (const c of node.children) all(c, keep, out);
  return out;
}

export const hasClass = (n: SvgNode, name: string): boolean => (n.attrs.class ?? '').split(/\s+/).includes(name);
export const byClass = (root: SvgNode, name: string): SvgNode[] => all(root, (n) => hasClass(n, name));

/** An attribute on the node or its nearest ancestor that has it (presentation attributes inherit). */
export function inherited(node: SvgNode, attr: string): string | undefined {
  for (let n: SvgNode | undefined = node; n; n = n.parent) if (attr in n.attrs) return n.attrs[attr];
  return undefined;
}

export function textOf(node: SvgNode): string {
  return node.text ?? node.children.map(textOf).join('');
}

/** The nearest ancestor with the class. */
export function ancestor(node: SvgNode, name: string): SvgNode | undefined {
  for (let n = node.parent; n; n = n.parent) if (hasClass(n, name)) return n;
  return undefined;
}

/** The numbers of path data, in order. */
export const pathNumbers = (d: string): number[] => (d.match(/-?\d+(\.\d+)?/g) ?? []).map(Number);

/**
 * The centre of a pose marker: a circle's centre, a square's middle, or for a
 * heading triangle `M tip l … l … z` (tip 1.8 r ahead of the pose, base r
 * behind it) the point 1.8/2.8 of the way from the tip to the base's middle.
 */
export function markerCentre(n: SvgNode): [number, number] {
  if (n.tag === 'circle') return [Number(n.attrs.cx), Number(n.attrs.cy)];
  if (n.tag === 'rect') return [Number(n.attrs.x) + Number(n.attrs.width) / 2, Number(n.attrs.y) + Number(n.attrs.height) / 2];
  if (n.tag === 'path') {
    const [x, y, a, b, c, d] = pathNumbers(n.attrs.d!) as [number, number, number, number, number, number];
    const f = 1.8 / 2.8;
    return [x + f * (a + c / 2), y + f * (b + d / 2)];
  }
  throw new Error(`no centre for <${n.tag}>`);
}

/** One uncertainty ellipse as drawn: centre and semi-axes in px, the major axis' angle in degrees from +X towards +Y. */
export interface DrawnEllipse {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  angle: number;
}

/**
 * The ellipses of the plot's `ellipses` path, in order: per ellipse
 * `M x y a rx ry φ 1 0 dx dy a rx ry φ 1 0 −dx −dy` (two half-arcs from one
 * end of the major axis), centre (x, y) + (dx, dy)/2. None without the path.
 */
export function drawnEllipses(root: SvgNode): DrawnEllipse[] {
  const nodes = byClass(root, 'ellipses');
  if (nodes.length === 0) return [];
  if (nodes.length > 1) throw new Error(`expected one ellipses path, got ${nodes.length}`);
  const n = '(-?[\\d.]+)';
  const one = new RegExp(`M${n} ${n}a${n} ${n} ${n} 1 0 ${n} ${n}a${n} ${n} ${n} 1 0 ${n} ${n}`, 'g');
  const d = nodes[0]!.attrs.d!;
  const out: DrawnEllipse[] = [];
  let consumed = 0;
  for (const m of d.matchAll(one)) {
    const [x, y, rx, ry, angle, dx, dy, rx2, ry2, angle2, dx2, dy2] = m.slice(1).map(Number) as number[];
    // The second half-arc returns to the start with the same radii and angle.
    if (rx2 !== rx || ry2 !== ry || angle2 !== angle || dx2 + dx !== 0 || dy2 + dy !== 0) throw new Error(`not a closed ellipse: ${m[0]}`);
    out.push({ cx: x + dx / 2, cy: y + dy / 2, rx, ry, angle });
    consumed += m[0].length;
  }
  if (consumed !== d.length) throw new Error(`ellipses path with other commands: ${d.slice(0, 80)}`);
  return out;
}
