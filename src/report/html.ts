// report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched) with the
// description of the runs, the figures and the table of final figures.
import { FINAL_FIGURES, type GroupFinals } from './finals.js';
import type { Grouping } from './group.js';
import type { Estimate } from './stats.js';

export interface PageFigure {
  /** file stem: <stem>.svg and <stem>.png sit next to the page */
  stem: string;
  svg: string;
  caption: string;
}

export interface PageContent {
  title: string;
  /** one paragraph each, plain text */
  description: string[];
  grouping: Grouping;
  figures: PageFigure[];
  finals: GroupFinals[];
  warnings: string[];
  generated: string;
}

export const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CSS = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1a1a1a; margin: 2rem auto; max-width: 64rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .3rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.figures { display: flex; flex-wrap: wrap; gap: 1.5rem; }
figure { margin: 0; flex: 1 1 22rem; max-width: 31rem; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: .85rem; color: #444; margin-top: .3rem; }
table { border-collapse: collapse; font-size: .85rem; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid #ddd; text-align: right; vertical-align: top; }
tbody td { white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid #999; }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .4rem; vertical-align: -1px; }
.warnings { color: #8a4b00; font-size: .85rem; }
details { font-size: .85rem; margin-top: .5rem; } details table { margin-top: .3rem; }
footer { margin-top: 2.5rem; font-size: .8rem; color: #666; }
`;

/** "mean ± half" in the figure's format; the mean alone with one seed. */
export function formatEstimate(e: Estimate, format: (v: number) => string): string {
  if (!Number.isFinite(e.mean)) return '–';
  return Number.isFinite(e.half) ? `${format(e.mean)} ± ${format(e.half)}` : format(e.mean);
}

function finalsTable(finals: readonly GroupFinals[], colors: readonly string[]): string {
  const defs = finals[0]?.defs ?? FINAL_FIGURES;
  const head = ['group', 'n', 'seeds', ...defs.map((f) => f.title)].map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = finals.map((r, i) => {
    const seeds = r.group.runs.map((run) => String(run.config.seed ?? '?')).join(', ');
    const cells = r.figures.map((e, k) => `<td>${escapeHtml(formatEstimate(e, defs[k].format))}</td>`).join('');
    const swatch = `<span class="swatch" style="background:${colors[i]}"></span>`;
    return `<tr><td>${swatch}${escapeHtml(r.group.label)}</td><td>${r.n}</td><td>${escapeHtml(seeds)}</td>${cells}</tr>`;
  });
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function sharedTable(shared: readonly [string, string][]): string {
  if (shared.length === 0) return '';
  const rows = shared.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('');
  return `<details><summary>Settings shared by all runs (${shared.length})</summary><table><tbody>${rows}</tbody></table></details>`;
}

/** The SVG as an inline element: without the XML prolog, and labelled for screen readers. */
function inlineSvg(svg: string, label: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '').replace(/^<svg /, `<svg role="img" aria-label="${escapeHtml(label)}" `);
}

export function renderPage(c: PageContent, colors: readonly string[]): string {
  const figures = c.figures
    .map(
      (f, i) => `<figure>${inlineSvg(f.svg, f.caption)}<figcaption><b>Figure ${i + 1}.</b> ${escapeHtml(f.caption)} ` +
        `(<a href="${f.stem}.svg">SVG</a>, <a href="${f.stem}.png">PNG</a>)</figcaption></figure>`,
    )
    .join('\n');
  const warnings = c.warnings.length === 0 ? '' : `<h2>Warnings</h2><ul class="warnings">${c.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(c.title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(c.title)}</h1>
${c.description.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
${sharedTable(c.grouping.shared)}
<h2>Figures</h2>
<div class="figures">
${figures}
</div>
<h2>Final figures</h2>
<p>Mean over seeds ± the half-width of its 95% confidence interval (Student t, n − 1 degrees of freedom), from each run's summary.json. Also in <a href="summary.csv">summary.csv</a>.</p>
${finalsTable(c.finals, colors)}
${warnings}
<footer>Made by <code>plexus report</code> on ${escapeHtml(c.generated)}.</footer>
</body>
</html>
`;
}
