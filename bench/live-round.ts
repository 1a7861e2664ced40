// A live W1 round against the simulator's: `plexus live CONFIG --processes P` and `plexus run
// CONFIG --workers P` on the same cut of W1, alternated, each run a fresh CLI process; checks that
// their metrics.jsonl agree (roundSeconds aside) and prints the ratios repetition by repetition.
// `npm run bench:live-round [-- --reps 3 --rounds 40 --processes 2 --config experiments/ring64-mnist.yaml --transport libp2p]`
// `--baseline DIR`: also the live run of another build of Plexus (DIR/bin/plexus.js, built), in the same rotation.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, numberArg } from './micro.js';

function stringArg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

/** What one run gives: the median of roundSeconds, msPerRound (training and exchange), and wall per round. */
interface Sample {
  roundMs: number;
  msPerRound: number;
  /** wall ms per round, evaluation excluded: live, the slowest process's round loop less its evaluation; run, the mean of roundSeconds */
  wallPerRoundMs: number;
  /** the 1-minute load average when the run ended */
  load: number;
  metrics: string;
}

const bin = fileURLToPath(new URL('../../bin/plexus.js', import.meta.url));

function runOnce(kind: 'live' | 'run', config: string, rounds: number, processes: number, transport: string, out: string, plexus = bin): Sample {
  const args = kind === 'live'
    ? [plexus, 'live', config, '--processes', String(processes), '--transport', transport]
    : [plexus, 'run', config, '--workers', String(processes)];
  args.push('--rounds', String(rounds), '--quiet', '--out', out, '--force');
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`plexus ${kind} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { round: number; roundSeconds: number });
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { msPerRound: number; evalSeconds: number; live?: { roundsSeconds: number[] } };
  const measured = lines.filter((l) => l.round > 0);
  const wall = summary.live
    ? (Math.max(...summary.live.roundsSeconds) - summary.evalSeconds) * 1000
    : measured.reduce((s, l) => s + l.roundSeconds * 1000, 0);
  return {
    roundMs: median(measured.map((l) => l.roundSeconds * 1000)),
    msPerRound: summary.msPerRound,
    wallPerRoundMs: wall / measured.length,
    load: loadavg()[0],
    metrics: lines.map((l) => JSON.stringify({ ...l, roundSeconds: undefined })).join('\n'),
  };
}

function main(): void {
  const reps = numberArg('reps', 3);
  const rounds = numberArg('rounds', 40);
  const processes = numberArg('processes', 2);
  const config = stringArg('config', 'experiments/ring64-mnist.yaml');
  const transport = stringArg('transport', 'libp2p');
  const baseline = stringArg('baseline', '');
  const dir = mkdtempSync(join(tmpdir(), 'plexus-live-round-'));
  const kinds = baseline ? ['live', 'baseline'] : ['live'];
  console.log(`${config}, ${rounds} rounds: plexus live --processes ${processes} (${transport}) against plexus run --workers ${processes}, alternated, ${reps} repetitions`);
  if (baseline) console.log(`baseline: the live run of ${baseline}`);
  console.log('rep | run | sim round ms | live round ms | ratio | sim msPerRound | live msPerRound | ratio | sim wall/round | live wall/round | ratio | load (sim, live) | metrics');
  const ratios = new Map(kinds.map((k) => [k, { round: [] as number[], msPerRound: [] as number[], wall: [] as number[] }]));
  try {
    for (let rep = 1; rep <= reps; rep++) {
      const sim = runOnce('run', config, rounds, processes, transport, join(dir, `run-${rep}`));
      for (const kind of kinds) {
        const plexus = kind === 'baseline' ? join(baseline, 'bin', 'plexus.js') : bin;
        const live = runOnce('live', config, rounds, processes, transport, join(dir, `${kind}-${rep}`), plexus);
        const same = sim.metrics === live.metrics;
        const r = ratios.get(kind)!;
        r.round.push(live.roundMs / sim.roundMs);
        r.msPerRound.push(live.msPerRound / sim.msPerRound);
        r.wall.push(live.wallPerRoundMs / sim.wallPerRoundMs);
        const f = (x: number) => x.toFixed(1);
        console.log(
          `${rep} | ${kind} | ${f(sim.roundMs)} | ${f(live.roundMs)} | ${(live.roundMs / sim.roundMs).toFixed(2)} | ${f(sim.msPerRound)} | ${f(live.msPerRound)} | ${(live.msPerRound / sim.msPerRound).toFixed(2)} | ` +
            `${f(sim.wallPerRoundMs)} | ${f(live.wallPerRoundMs)} | ${(live.wallPerRoundMs / sim.wallPerRoundMs).toFixed(2)} | ${sim.load.toFixed(1)}, ${live.load.toFixed(1)} | ${same ? 'equal' : 'DIFFER'}`,
        );
        if (!same) process.exitCode = 1;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const m = (xs: number[]) => median(xs).toFixed(2);
  for (const [kind, r] of ratios) console.log(`${kind}: median ratios to the simulator: round ${m(r.round)}, msPerRound ${m(r.msPerRound)}, wall per round ${m(r.wall)}`);
}

main();
