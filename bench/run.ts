// `npm run bench [-- CASE... | --quick | --robust | --w2 | --dp | --plugins] [--rounds N] [--repeats N] [--record]`: runs
// benchmark cases, each in a child process (so peak RSS is its own), prints a table and, with
// --record, appends it to bench/RESULTS.md with the machine, backend and commit. Cases whose data
// (Fashion-MNIST) or anchor (PyTorch) is not installed are skipped with a line saying how to get them. With --repeats the
// whole list runs N times, interleaved, and each row is the case's median run.
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fashionMnistFiles } from '../src/data/fashion-mnist.js';
import { cpus, availableParallelism, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CASES, DP_SET, PLUGIN_SET, ROBUST_SET, W2_SET } from './cases.js';
import { median } from './micro.js';

const args = process.argv.slice(2);
const record = args.includes('--record');
const valueOf = (flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const rounds = valueOf('--rounds');
const repeats = Number(valueOf('--repeats') ?? 1);
const showBusy = args.includes('--busy');
const named = args.filter((a, i) => !a.startsWith('--') && !['--rounds', '--repeats'].includes(args[i - 1]));
const requested = named.length
  ? named
  : args.includes('--quick') ? ['w1-inline', 'w1-all'] : args.includes('--robust') ? ROBUST_SET : args.includes('--w2') ? W2_SET : args.includes('--dp') ? DP_SET : args.includes('--plugins') ? PLUGIN_SET
  : ['w1-inline', 'w1-1', 'w1-all', 'w2-all', 'w2-torch'];
const ids = requested.filter((id) => {
  const missing = missingPrerequisite(id);
  if (missing) console.log(`skipping ${id}: ${missing}`);
  return !missing;
});
const casePath = fileURLToPath(new URL('./case.js', import.meta.url));

/** Why a case cannot run on this machine (W2 needs Fashion-MNIST; its anchor, PyTorch), or undefined. */
function missingPrerequisite(id: string): string | undefined {
  if (id.startsWith('w2')) {
    try {
      fashionMnistFiles();
    } catch (e) {
      return (e as Error).message;
    }
  }
  const anchor = CASES.find((c) => c.id === id)?.anchor;
  if (!anchor) return undefined;
  try {
    execFileSync(anchor.command, ['-c', 'import torch'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${anchor.command} cannot import torch (sudo apt-get install python3-torch libopenblas0-pthread)`;
  }
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const machine = `${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
console.log(`machine: ${machine}; commit ${commit()}`);
interface CaseResult {
  title: string; workers: number; backend: string; rounds: number; peerStepsPerSecond: number; msPerRound: number;
  stepGflops: number; peakRssMB: number; finalMeanAccuracy: number; evalSeconds: number; busyMsByWorker: { thread: number; ms: number }[]; kernel?: string;
}
for (const id of ids) {
  if (!CASES.some((c) => c.id === id)) {
    console.error(`unknown case '${id}'; cases: ${CASES.map((c) => c.id).join(', ')}`);
    process.exit(2);
  }
}
const runs = new Map<string, CaseResult[]>(ids.map((id) => [id, []]));
for (let rep = 0; rep < repeats; rep++) {
  for (const id of ids) {
    const anchor = CASES.find((c) => c.id === id)!.anchor;
    const [cmd, argv] = anchor
      ? [anchor.command, [fileURLToPath(new URL(`../../${anchor.script}`, import.meta.url)), ...(rounds ? ['--rounds', rounds] : [])]]
      : [process.execPath, [casePath, id, ...(rounds ? [rounds] : [])]];
    const out = execFileSync(cmd, argv, {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24,
    });
    const r: CaseResult = JSON.parse(out.trim().split('\n').pop()!);
    runs.get(id)!.push(r);
    if (repeats > 1) console.log(`  run ${rep + 1}/${repeats} ${id}: ${r.peerStepsPerSecond.toFixed(0)} peer-steps/s`);
  }
}
/** The case's median run by peer-steps/s. */
const pick = (id: string): CaseResult => {
  const rs = runs.get(id)!;
  const m = median(rs.map((r) => r.peerStepsPerSecond));
  return rs.find((r) => r.peerStepsPerSecond === m)!;
};
const rows: string[] = [];
for (const id of ids) {
  const r = pick(id);
  const row = `| ${r.title} | ${r.workers} | ${r.backend} | ${r.rounds} | ${r.peerStepsPerSecond.toFixed(0)} | ${r.msPerRound.toFixed(1)} | ${r.stepGflops.toFixed(2)} | ${r.peakRssMB.toFixed(0)} | ${r.finalMeanAccuracy.toFixed(4)} | ${r.evalSeconds.toFixed(1)} |`;
  rows.push(row);
  const base = CASES.find((c) => c.id === id)!.baseline;
  const ratio = base && runs.has(base) ? `, ${(r.peerStepsPerSecond / pick(base).peerStepsPerSecond).toFixed(2)} of ${base}` : '';
  const spread = repeats > 1 ? ` [median of ${runs.get(id)!.map((x) => x.peerStepsPerSecond.toFixed(0)).join(', ')}]` : '';
  console.log(`${r.title}: ${r.peerStepsPerSecond.toFixed(0)} peer-steps/s${ratio}${spread}, ${r.msPerRound.toFixed(1)} ms/round, ${r.stepGflops.toFixed(2)} GFLOP/s in local steps, peak RSS ${r.peakRssMB.toFixed(0)} MB, final mean accuracy ${r.finalMeanAccuracy.toFixed(4)} (workers ${r.workers}, backend ${r.backend}${r.kernel ? `, kernel ${r.kernel}` : ''})`);
  if (showBusy) console.log(`  busy ms by worker: ${r.busyMsByWorker.map((b) => `thread ${b.thread}: ${b.ms}`).join(', ')}`);
}
const header = '| workload | workers | backend | rounds | peer-steps/s | ms/round | step GFLOP/s | peak RSS MB | final mean acc | eval s |\n|---|---|---|---|---|---|---|---|---|---|';
const table = `${header}\n${rows.join('\n')}`;
if (record) {
  const path = fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));
  appendFileSync(path, `\n### ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit()}\n\n${machine}\n\n${table}\n`);
  console.log(`recorded in ${path}`);
}
