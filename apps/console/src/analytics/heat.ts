/**
 * The cohort table's colour scale: light to dark blue by share, with the cell's text in
 * whichever of dark ink and white contrasts more with it (WCAG relative luminance), so every
 * value stays readable. The colour only repeats the number written in the cell.
 */
const STOPS: Array<[number, number, number]> = [
  [0xf2, 0xf6, 0xfc],
  [0xb9, 0xcd, 0xec],
  [0x5d, 0x86, 0xc7],
  [0x1f, 0x3a, 0x68],
];

export function heatColour(share: number): { background: string; color: string } {
  const x = Math.min(Math.max(share, 0), 1) * (STOPS.length - 1);
  const i = Math.min(Math.floor(x), STOPS.length - 2);
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  const rgb = a.map((v, k) => Math.round(v + (b[k]! - v) * (x - i))) as [number, number, number];
  const bg = luminance(rgb);
  const ink = luminance([0x1d, 0x24, 0x33]);
  const onInk = (bg + 0.05) / (ink + 0.05);
  const onWhite = 1.05 / (bg + 0.05);
  return { background: `rgb(${rgb.join(', ')})`, color: onWhite > onInk ? '#ffffff' : '#1d2433' };
}

function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}
