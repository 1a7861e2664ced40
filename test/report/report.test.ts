import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport, type Report } from '../../src/report/build-report.js';
import { loadRuns } from '../../src/report/load-runs.js';
import { groupSeries } from '../../src/report/series.js';
import { svgToPng } from '../../src/report/render.js';
import { decodePng } from '../e2e/png.js';
import { tempDir, writeRun, writeThreeAndTwo } from './fixtures.js';

const T1 = Math.tan(Math.PI * 0.475);
const T2 = 0.95 / Math.sqrt(2 * 0.975 * 0.025);

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...rows] = text.trim().split('\n').map((l) => l.split(','));
  return rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

const file = (r: Report, name: string) => r.files.find((f) => f.name === name)!.content;

describe('a report over three ring seeds and two torus seeds', () => {
  let root: string;
  let report: Report;
  let warnings: string[];
  beforeAll(async () => {
    root = tempDir();
    writeThreeAndTwo(root);
    warnings = [];
    const runs = loadRuns([root], (m) => warnings.push(m));
    report = await buildReport(runs, { x: 'round', inputs: [root], warnings });
  }, 60_000);

  it('finds the five runs and forms two groups', () => {
    expect(report.runs).toBe(5);
    expect(report.groups.map((g) => [g.label, g.runs.length])).toEqual([['ring, k=1', 3], ['torus, rows=2, cols=2', 2]]);
    expect(warnings).toEqual([]);
  });

  it('summary.csv holds the mean and 95% interval computed by hand', () => {
    const [ring, torus] = parseCsv(file(report, 'summary.csv') as string);
    expect(ring['topology.kind']).toBe('ring');
    expect(ring['topology.k']).toBe('1');
    expect(ring['topology.rows']).toBe('');
    expect(ring.n).toBe('3');
    // ring: final accuracy 0.8, 0.85, 0.9: mean 0.85, sd 0.05, half-width t_{.975,2} 0.05 / sqrt 3
    const half = (T2 * 0.05) / Math.sqrt(3);
    expect(Number(ring.final_mean_accuracy_mean)).toBeCloseTo(0.85, 12);
    expect(Number(ring.final_mean_accuracy_ci_low)).toBeCloseTo(0.85 - half, 12);
    expect(Number(ring.final_mean_accuracy_ci_high)).toBeCloseTo(0.85 + half, 12);
    // wall seconds 2, 3, 7: mean 4, sd sqrt(7)
    expect(Number(ring.wall_seconds_mean)).toBeCloseTo(4, 12);
    expect(Number(ring.wall_seconds_ci_high)).toBeCloseTo(4 + (T2 * Math.sqrt(7)) / Math.sqrt(3), 10);
    // bytes the same in every seed: a zero-width interval
    expect([ring.bytes_sent_mean, ring.bytes_sent_ci_low, ring.bytes_sent_ci_high]).toEqual(['400', '400', '400']);
    // torus: 0.9 and 0.95: mean 0.925, sd 0.05 / sqrt 2, half-width t_{.975,1} sd / sqrt 2 = 12.706 x 0.025
    expect(torus.n).toBe('2');
    expect([torus['topology.kind'], torus['topology.rows'], torus['topology.cols']]).toEqual(['torus', '2', '2']);
    expect(Number(torus.final_mean_accuracy_ci_high)).toBeCloseTo(0.925 + T1 * 0.025, 10);
    expect(Number(torus.final_consensus_distance_mean)).toBeCloseTo(0.125, 14);
  });

  it('the CSV has one column triple per final figure after the label columns and n', () => {
    const head = (file(report, 'summary.csv') as string).split('\n')[0].split(',');
    expect(head.slice(0, 5)).toEqual(['topology.kind', 'topology.k', 'topology.rows', 'topology.cols', 'n']);
    expect(head.slice(5, 8)).toEqual(['final_mean_accuracy_mean', 'final_mean_accuracy_ci_low', 'final_mean_accuracy_ci_high']);
  });

  it('report.html is self-contained: inline SVG and CSS, nothing fetched', () => {
    const html = file(report, 'report.html') as string;
    expect(html).toMatch(/^<!doctype html>/);
    expect((html.match(/<svg /g) ?? []).length).toBe(2);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<script|<link |@import|url\(/i);
    // and tells what is in it
    expect(html).toContain('5 runs in 2 groups');
    expect(html).toContain('85.00% ± ');
    expect(html).toContain('ring, k=1');
  });

  it('draws both figures as SVG and as PNG 1050 px wide (3.5 in at 300 dpi) that decode whole', () => {
    for (const stem of ['accuracy', 'consensus']) {
      const svg = file(report, `${stem}.svg`) as string;
      const [, w, h] = svg.match(/viewBox="0 0 ([\d.]+) ([\d.]+)"/)!;
      const png = decodePng(file(report, `${stem}.png`) as Buffer);
      expect(png.width).toBe(1050);
      expect(png.height).toBe(Math.round((Number(h) * 1050) / Number(w)));
      expect(png.data.length).toBe(png.width * png.height * 4);
    }
  });

  it('draws text in the PNG with the fonts shipped by npm, whatever the system has', () => {
    const dark = (svg: string) => {
      const { data } = decodePng(svgToPng(svg, 200));
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] < 100 && data[i + 1] < 100 && data[i + 2] < 100) n++;
      return n;
    };
    const text = (family: string) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="30"><text x="5" y="22" font-family="${family}" font-size="18">Ag 10⁻³</text></svg>`;
    expect(dark(text('sans-serif'))).toBeGreaterThan(100);
    expect(dark(text('DejaVu Sans, Helvetica, Arial, sans-serif'))).toBeGreaterThan(100);
    expect(dark(text('NoSuchFont'))).toBeGreaterThan(100); // falls back to the default family
  });

  it('the figures carry labelled axes, a legend with both groups, and a log axis for consensus', () => {
    const acc = file(report, 'accuracy.svg') as string;
    const cons = file(report, 'consensus.svg') as string;
    for (const svg of [acc, cons]) {
      expect(svg).toContain('>round<');
      expect(svg).toContain('ring, k=1');
      expect(svg).toContain('torus, rows=2, cols=2');
    }
    expect(acc).toContain('mean test accuracy');
    expect(cons).toContain('consensus distance');
    expect(cons).toContain('10⁻³'); // decade labels: the data span 0.001 to 3
  });

  it('gives a group the same colour in both figures', () => {
    const colours = (svg: string) => [...new Set(svg.match(/stroke="#[0-9A-Fa-f]{6}"/g))].filter((c) => !/#(888|e6e6e6|000|222)/i.test(c));
    const acc = colours(file(report, 'accuracy.svg') as string);
    expect(acc).toContain('stroke="#0072B2"');
    expect(acc).toContain('stroke="#D55E00"');
    expect(colours(file(report, 'consensus.svg') as string)).toEqual(expect.arrayContaining(acc));
  });
});

describe('curves over seeds', () => {
  it('average the seeds on the evaluation rounds they share, with a t band', () => {
    const root = tempDir();
    const { ring } = writeThreeAndTwo(root);
    const runs = loadRuns(ring, () => {});
    const acc = groupSeries(runs, 'meanAccuracy', 'round');
    expect(acc.map((p) => p.round)).toEqual([2, 4]);
    expect(acc[0].mean).toBeCloseTo(0.6, 14);
    expect(acc[0].high - acc[0].mean).toBeCloseTo((T2 * 0.1) / Math.sqrt(3), 12);
    const bytes = groupSeries(runs, 'consensusDistance', 'bytes');
    expect(bytes.map((p) => p.x)).toEqual([100, 200, 300, 400]);
    expect(bytes[0].mean).toBeCloseTo(2, 14);
    const wall = groupSeries(runs, 'consensusDistance', 'wall');
    expect(wall.map((p) => p.x)).toEqual([0.5, 1, 1.5, 2]);
  });

  it('drop a round that only some seeds recorded', () => {
    const root = tempDir();
    writeRun(join(root, 'a'), { seed: 1, accuracy: [0.5, 0.8], consensus: [1, 1, 1, 1] });
    const b = writeRun(join(root, 'b'), { seed: 2, accuracy: [0.6, 0.9], consensus: [1, 1, 1, 1] });
    // seed 2 lost its round-4 evaluation
    const lines = readFileSync(join(b, 'metrics.jsonl'), 'utf8').trim().split('\n');
    const last = JSON.parse(lines[3]);
    delete last.meanAccuracy;
    lines[3] = JSON.stringify(last);
    writeFileSync(join(b, 'metrics.jsonl'), lines.join('\n') + '\n');
    const acc = groupSeries(loadRuns([root], () => {}), 'meanAccuracy', 'round');
    expect(acc.map((p) => [p.round, p.n])).toEqual([[2, 2]]);
  });
});

describe('reading runs', () => {
  it('skips a cut-off last line of metrics.jsonl with a warning naming the file and line', () => {
    const root = tempDir();
    writeRun(join(root, 'a'), { seed: 1, accuracy: [0.5, 0.8], consensus: [1, 1, 1, 1], tail: '{"round":5,"consensusDis' });
    const warnings: string[] = [];
    const [run] = loadRuns([root], (m) => warnings.push(m));
    expect(run.metrics).toHaveLength(4);
    expect(warnings).toEqual([expect.stringMatching(/metrics\.jsonl: line 5 is cut short.*skipped/)]);
  });

  it('leaves out unfinished and interrupted runs with a warning', () => {
    const root = tempDir();
    writeRun(join(root, 'done'), { seed: 1, accuracy: [0.5, 0.8], consensus: [1, 1, 1, 1] });
    writeRun(join(root, 'stopped'), { seed: 2, accuracy: [0.5, 0.8], consensus: [1, 1, 1, 1], summary: { aborted: true } });
    writeRun(join(root, 'running'), { seed: 3, accuracy: [0.5, 0.8], consensus: [1, 1, 1, 1], summary: null });
    const warnings: string[] = [];
    // 'running' has no summary.json, so a directory walk does not find it; name it directly
    const runs = loadRuns([root, join(root, 'running')], (m) => warnings.push(m));
    expect(runs.map((r) => r.config.seed)).toEqual([1]);
    expect(warnings).toEqual([expect.stringMatching(/stopped: interrupted/), expect.stringMatching(/running: not finished/)]);
  });

  it('reads the runs a sweep.jsonl marks done, relative to the sweep directory', () => {
    const root = tempDir();
    writeRun(join(root, 'runs', 'r1'), { seed: 1, accuracy: [0.5, 0.8], consensus: [1, 1, 1, 1] });
    writeRun(join(root, 'runs', 'r2'), { seed: 2, accuracy: [0.5, 0.8], consensus: [1, 1, 1, 1] });
    const lines = [
      { dir: 'runs/r1', params: {}, seed: 1, status: 'done' },
      { dir: join(root, 'runs', 'r2'), params: {}, seed: 2, status: 'done' },
      { dir: 'runs/r3', params: {}, seed: 3, status: 'failed' },
    ];
    writeFileSync(join(root, 'sweep.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const warnings: string[] = [];
    const runs = loadRuns([root], (m) => warnings.push(m));
    expect(runs.map((r) => r.config.seed)).toEqual([1, 2]);
    expect(warnings).toEqual([expect.stringMatching(/left out the runs that are not done \(1 failed\)/)]);
  });
});

describe('a log axis with zeros', () => {
  it('leaves zero points out with a warning, and goes linear when every point is zero', async () => {
    const root = tempDir();
    writeRun(join(root, 'a'), { seed: 1, accuracy: [0.5, 0.8], consensus: [0, 0.1, 0, 0.01] });
    writeRun(join(root, 'b'), { seed: 2, accuracy: [0.5, 0.8], consensus: [0, 0.1, 0, 0.01] });
    const warnings: string[] = [];
    const r = await buildReport(loadRuns([root], () => {}), { x: 'round', inputs: [root], warnings });
    expect(warnings).toEqual(['consensus figure: 2 of 4 points are 0 and cannot be drawn on the log scale; left out']);
    expect(file(r, 'consensus.svg')).toContain('>0.01<');

    const flat = tempDir();
    writeRun(join(flat, 'a'), { seed: 1, accuracy: [0.5, 0.8], consensus: [0, 0, 0, 0] });
    const more: string[] = [];
    const r2 = await buildReport(loadRuns([flat], () => {}), { x: 'round', inputs: [flat], warnings: more });
    expect(more).toEqual([expect.stringMatching(/every value is 0; drawn on a linear scale/)]);
    expect(file(r2, 'report.html')).not.toContain('Log scale.');
  });
});

describe('figures only some runs have', () => {
  it('epsilon and the membership AUC get columns where a run reports them, and none otherwise', async () => {
    const root = tempDir();
    const noise = (n: number) => ({ privacy: { dp: { clip: 1, noise: n, delta: 1e-5 }, sampling: 'poisson', conversion: 'balle' } });
    for (const [i, seed] of [1, 2].entries()) {
      writeRun(join(root, `dp1-s${seed}`), { seed, config: noise(1), accuracy: [0.5, 0.7], consensus: [1, 1, 1, 1], summary: { finalEpsilon: 3 + i, finalMiaAuc: 0.6, finalMiaAucMax: 0.7 } });
      writeRun(join(root, `dp3-s${seed}`), { seed, config: noise(3), accuracy: [0.4, 0.6], consensus: [1, 1, 1, 1], summary: { finalEpsilon: 1, finalMiaAuc: 0.52, finalMiaAucMax: 0.6 } });
    }
    const report = await buildReport(loadRuns([root], () => {}), { x: 'round', inputs: [root], warnings: [] });
    const rows = parseCsv(file(report, 'summary.csv') as string);
    const dp1 = rows.find((r) => r['privacy.dp.noise'] === '1')!;
    expect(Number(dp1.final_epsilon_mean)).toBeCloseTo(3.5, 12);
    expect(Number(dp1.final_mia_auc_mean)).toBeCloseTo(0.6, 12);
    expect(Number(rows.find((r) => r['privacy.dp.noise'] === '3')!.final_mia_auc_max_mean)).toBeCloseTo(0.6, 12);
    const html = file(report, 'report.html') as string;
    expect(html).toContain('final ε (DP)');
    // the fake runs record neither miaAuc nor epsilon per round: no figure for them, and no warning
    expect(report.files.map((f) => f.name)).not.toContain('membership.svg');
    expect(html).toContain('membership AUC');
    // the ring/torus report above has none of them
    const plain = tempDir();
    writeThreeAndTwo(plain);
    const head = (file(await buildReport(loadRuns([plain], () => {}), { x: 'round', inputs: [plain], warnings: [] }), 'summary.csv') as string).split('\n')[0];
    expect(head).not.toMatch(/epsilon|mia|average_model/);
  }, 60_000);
});
