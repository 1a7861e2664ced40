// summary.csv: one row per group; its label columns, n, and for each final figure the mean and
// the 95% confidence interval (empty where a figure has no value, or with one seed, no interval).
import { FINAL_FIGURES, type GroupFinals } from './finals.js';

function cell(v: string | number): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function summaryCsv(labelKeys: readonly string[], rows: readonly GroupFinals[]): string {
  const labelCols = labelKeys.length > 0 ? labelKeys : ['group'];
  const defs = rows[0]?.defs ?? FINAL_FIGURES;
  const header = [...labelCols, 'n', ...defs.flatMap((f) => [`${f.column}_mean`, `${f.column}_ci_low`, `${f.column}_ci_high`])];
  const lines = rows.map((r) => {
    const labels = labelKeys.length > 0 ? r.group.values : [r.group.label];
    return [...labels, r.n, ...r.figures.flatMap((e) => [e.mean, e.low, e.high])].map(cell).join(',');
  });
  return [header.map(cell), ...lines].join('\n') + '\n';
}
