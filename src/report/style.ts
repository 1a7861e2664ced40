// How groups look, the same in every figure: group i always gets colour i and dash pattern i.
// Okabe-Ito colours (distinguishable with colour-vision deficiency), dashes for grayscale print.

const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
// solid, dashed, dotted, dash-dot, long dash, dash-dot-dot
const DASHES: number[][] = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [12, 4], [8, 3, 2, 3, 2, 3]];

export interface GroupStyle {
  color: string;
  /** SVG stroke-dasharray; [1, 0] is solid */
  dash: number[];
}

export function groupStyle(i: number): GroupStyle {
  // 8 colours and 6 dashes: the pair repeats only after 24 groups
  return { color: COLORS[i % COLORS.length], dash: DASHES[i % DASHES.length] };
}

/** Figure geometry: plot area in px, font sizes; a figure is about 330 px wide, printed at 3.5 in. */
export const FIGURE = {
  width: 230,
  height: 150,
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  labelSize: 10,
  titleSize: 11,
  /** PNG width: 3.5 in at 300 dpi */
  pngWidth: 1050,
} as const;
