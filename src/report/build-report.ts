// Builds the report's files from the runs: figures (SVG and PNG), summary.csv and report.html.
// Touches no file: the caller writes what this returns.
import { summaryCsv } from './csv.js';
import { ReportInputError } from './errors.js';
import { lineFigureSpec, type Curve, type FigureOptions } from './figure-spec.js';
import { finalFigures, groupFinals } from './finals.js';
import { groupRuns, type Group } from './group.js';
import { renderPage, type PageFigure } from './html.js';
import type { RunData } from './read-run.js';
import { renderSvg, svgToPng } from './render.js';
import { groupSeries, type SeriesMetric } from './series.js';
import { extent } from './stats.js';
import { groupStyle } from './style.js';
import { metricFieldsOf } from '../run-format/fields.js';
import { checkXAxis, X_AXIS_INFO, type XAxis } from './x-axis.js';

export interface ReportOptions {
  /** config paths that label the groups; default: the paths whose values differ between groups */
  by?: string[];
  x: XAxis;
  title?: string;
  /** the DIR arguments, for the description */
  inputs: readonly string[];
  /** when the report was made (for the footer) */
  generated?: Date;
  /** warnings so far (from reading the runs); the report adds its own, and the page lists them all */
  warnings?: string[];
}

export interface ReportFile {
  name: string;
  content: string | Buffer;
}

export interface Report {
  files: ReportFile[];
  runs: number;
  groups: Group[];
}

interface FigureDef {
  stem: string;
  metric: SeriesMetric;
  options: Omit<FigureOptions, 'xTitle' | 'xFormat' | 'legendTitle' | 'markers'>;
  /** mark the points (sparse curves: evaluation rounds) when a curve has at most MAX_MARKERS */
  markers: boolean;
  caption: string;
  /** drawn only where some run recorded the metric (its config asked for it), without a warning otherwise */
  optional?: boolean;
}

const BAND = 'Lines: mean over seeds; bands: 95% confidence interval of that mean (Student t, n − 1 degrees of freedom).';

const FIGURES: FigureDef[] = [
  {
    stem: 'accuracy', metric: 'meanAccuracy', markers: true,
    options: { yTitle: 'mean test accuracy', yFormat: '.0%', yRange: [0, 1] },
    caption: 'Mean test accuracy of the peers, on the evaluation rounds.',
  },
  {
    stem: 'consensus', metric: 'consensusDistance', markers: false,
    options: { yTitle: 'consensus distance', log: true },
    caption: "Consensus distance: the mean squared distance of the peers' parameters to their average, after the exchange.",
  },
  {
    stem: 'membership', metric: 'miaAuc', markers: true, optional: true,
    options: { yTitle: 'membership attack AUC', yFormat: '.2f', yRange: [0.4, 1] },
    caption: "The loss-threshold membership attack's AUC against the peers' models (mean over peers; 0.5: nothing leaks), on the evaluation rounds (eval.privacy).",
  },
  {
    stem: 'epsilon', metric: 'epsilon', markers: true, optional: true,
    options: { yTitle: 'ε (largest over peers)' },
    caption: 'The DP-SGD guarantee so far: the largest epsilon over peers for the configured delta (privacy.dp), on the evaluation rounds.',
  },
];

/** A figure for each field the runs' configured metrics (metrics:) added to metrics.jsonl. */
function metricFigures(runs: readonly RunData[]): FigureDef[] {
  return metricFieldsOf(runs.flatMap((r) => r.metrics)).map((field) => ({
    stem: `metric-${field}`, metric: field, markers: true, optional: true,
    options: { yTitle: field },
    caption: `${field}: a field a configured metric (metrics:) added to each line of metrics.jsonl it measured.`,
  }));
}

/** Over this many points a curve is drawn without point markers. */
const MAX_MARKERS = 40;

/** A log axis shows positive values only: says what it leaves out, and falls back to linear when nothing is left. */
function logPossible(stem: string, curves: readonly Curve[], warnings: string[]): boolean {
  const means = curves.flatMap((c) => c.points.map((p) => p.mean)).filter(Number.isFinite);
  const nonPositive = means.filter((m) => m <= 0).length;
  if (nonPositive === means.length) {
    warnings.push(`${stem} figure: every value is 0; drawn on a linear scale instead of a log scale`);
    return false;
  }
  if (nonPositive > 0) warnings.push(`${stem} figure: ${nonPositive} of ${means.length} points are 0 and cannot be drawn on the log scale; left out`);
  return true;
}

function legendTitle(keys: readonly string[], groups: readonly Group[]): string | null {
  if (groups.length === 1 && keys.length === 0) return null;
  return keys.length === 1 ? keys[0] : '';
}

function describe(runs: readonly RunData[], groups: readonly Group[], keys: readonly string[], opts: ReportOptions): string[] {
  const ns = [...new Set(groups.map((g) => g.runs.length))].sort((a, b) => a - b);
  const seeds = ns.length === 1 ? `${ns[0]} seed${ns[0] > 1 ? 's' : ''} each` : `${ns[0]} to ${ns[ns.length - 1]} seeds each`;
  const text = [
    `${runs.length} run${runs.length > 1 ? 's' : ''} in ${groups.length} group${groups.length > 1 ? 's' : ''} (runs whose configs differ only in seed form a group; ${seeds}), read from ${opts.inputs.join(', ')}.`,
  ];
  if (keys.length > 0) text.push(`The groups are labelled by ${keys.join(', ')}${opts.by ? ' (--by)' : ', the config keys in which they differ'}.`);
  text.push(`x axis: ${X_AXIS_INFO[opts.x].describe}. Curves align the seeds of a group on the rounds they all recorded.`);
  return text;
}

export async function buildReport(runs: readonly RunData[], opts: ReportOptions): Promise<Report> {
  checkXAxis(runs, opts.x);
  const grouping = groupRuns(runs, opts.by);
  const { groups, keys } = grouping;
  const warnings = opts.warnings ?? [];
  for (const g of groups) {
    const seeds = g.runs.map((r) => r.config.seed);
    const twice = seeds.filter((s, i) => seeds.indexOf(s) !== i);
    if (twice.length > 0) warnings.push(`group '${g.label}': seed ${twice[0]} appears more than once (${g.runs.length} runs); each run counts as one sample`);
  }
  const styles = groups.map((_, i) => groupStyle(i));
  const axis = X_AXIS_INFO[opts.x];
  const files: Report['files'] = [];
  const figures: PageFigure[] = [];
  const defs = [...FIGURES, ...metricFigures(runs)];
  const allCurves = defs.map((def) =>
    groups.map((g, i): Curve => ({ label: g.label, style: styles[i], points: groupSeries(g.runs, def.metric, opts.x) })),
  );
  const xs = allCurves.flat(2).flatMap((c) => c.points.map((p) => p.x));
  const xDomain: [number, number] | undefined = xs.length > 0 ? extent(xs) : undefined;
  for (const [k, def] of defs.entries()) {
    const curves = allCurves[k];
    if (curves.every((c) => c.points.length === 0)) {
      if (def.optional) continue;
      warnings.push(`no ${def.metric} recorded in any run; the ${def.stem} figure is left out`);
      continue;
    }
    const markers = def.markers && curves.every((c) => c.points.length <= MAX_MARKERS);
    const log = def.options.log === true && logPossible(def.stem, curves, warnings);
    const spec = lineFigureSpec(curves, { ...def.options, log, xTitle: axis.title, xFormat: axis.format, legendTitle: legendTitle(keys, groups), markers, xDomain });
    const svg = await renderSvg(spec);
    files.push({ name: `${def.stem}.svg`, content: svg }, { name: `${def.stem}.png`, content: svgToPng(svg) });
    figures.push({ stem: def.stem, svg, caption: `${def.caption}${log ? ' Log scale.' : ''} ${BAND}` });
  }
  if (figures.length === 0) throw new ReportInputError('the runs recorded neither accuracy nor consensus distance; there is nothing to plot');
  const finalDefs = finalFigures(groups);
  const finals = groups.map((g) => groupFinals(g, finalDefs));
  files.push({ name: 'summary.csv', content: summaryCsv(keys, finals) });
  const names = [...new Set(runs.map((r) => String(r.config.name ?? 'run')))];
  const html = renderPage(
    {
      title: opts.title ?? `Plexus report: ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', ...' : ''}`,
      description: describe(runs, groups, keys, opts),
      grouping,
      figures,
      finals,
      warnings,
      generated: (opts.generated ?? new Date()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'),
    },
    styles.map((s) => s.color),
  );
  files.push({ name: 'report.html', content: html });
  return { files, runs: runs.length, groups };
}
