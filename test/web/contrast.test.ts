/**
 * WCAG 2.x contrast of the colour pairs the UI actually uses (read from app.css and the SVG
 * renderers), so a palette change that hurts readability fails here rather than in review.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assetsDir } from '../../src/web/assets';

function luminance(hex: string): number {
  const n = hex.replace('#', '');
  const full = n.length === 3 ? [...n].map((c) => c + c).join('') : n;
  const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(full.slice(i, i + 2), 16) / 255);
  const lin = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const css = readFileSync(join(assetsDir(), 'app.css'), 'utf8');
const vars = Object.fromEntries([...css.matchAll(/--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})/g)].map((m) => [m[1]!, m[2]!]));

describe('colour contrast (WCAG AA)', () => {
  it('reads the palette from app.css', () => {
    expect(Object.keys(vars)).toEqual(expect.arrayContaining(['ink', 'muted', 'paper', 'wash', 'brand', 'bad', 'ok']));
  });

  it.each([
    ['ink', 'paper'],
    ['ink', 'wash'],
    ['muted', 'paper'],
    ['muted', 'wash'],
    ['brand', 'paper'],
    ['brand', 'wash'],
    ['paper', 'brand'],
    ['paper', 'brand-dark'],
    ['bad', 'bad-wash'],
    ['ok', 'ok-wash'],
    ['warn', 'warn-wash'],
    ['bad', 'paper'],
  ])('%s text on %s is at least 4.5:1', (fg, bg) => {
    expect(contrast(vars[fg]!, vars[bg]!)).toBeGreaterThanOrEqual(4.5);
  });

  it('keeps the focus ring visible against the dark header and the page', () => {
    // Non-text contrast (1.4.11) needs 3:1; the ring is yellow with a dark outer edge.
    expect(contrast(vars.focus!, vars.ink!)).toBeGreaterThanOrEqual(3);
    expect(contrast(vars.ink!, vars.wash!)).toBeGreaterThanOrEqual(3);
  });

  it('draws ladder labels readable on white', () => {
    const svg = readFileSync(join(__dirname, '..', '..', 'src', 'web', 'ladder', 'svg.ts'), 'utf8');
    const block = svg.slice(svg.indexOf('const ARROW_COLOUR'), svg.indexOf('const MARK_COLOUR'));
    const colours = [...block.matchAll(/'(#[0-9a-f]{6})'/g)].map((m) => m[1]!);
    expect(colours.length).toBe(7);
    for (const c of colours) expect(contrast(c, '#ffffff')).toBeGreaterThanOrEqual(4.5);
  });
});
