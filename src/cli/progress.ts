// What a person sees while a run goes: a progress bar on a TTY, one plain line per evaluation otherwise.
import cliProgress from 'cli-progress';
import type { Engine } from '../engine/engine.js';
import type { RoundMetrics } from '../engine/events.js';

export interface Progress {
  stop(): void;
}

/** With privacy.dp: the largest epsilon over peers so far. */
function fmtEps(m: RoundMetrics): string {
  return m.epsilon === undefined ? '' : `  ε ${Number.isFinite(m.epsilon) ? m.epsilon.toFixed(2) : '∞'}`;
}

function fmtAcc(m: RoundMetrics): string {
  return `acc ${m.meanAccuracy!.toFixed(4)} (min ${m.minAccuracy!.toFixed(3)}, max ${m.maxAccuracy!.toFixed(3)})  loss ${m.meanLoss!.toFixed(4)}${fmtEps(m)}`;
}

/** The membership attack's mean AUC, where the round ran it (eval.privacy). */
function fmtMia(m: RoundMetrics): string {
  return m.miaAuc === undefined ? '' : `  MIA auc ${m.miaAuc.toFixed(2)}`;
}

export function attachProgress(engine: Engine, opts: { tty: boolean; out: NodeJS.WritableStream }): Progress {
  const total = engine.world.config.rounds;
  const started = performance.now();
  let lastAcc = '-';
  const rate = (round: number) => round / ((performance.now() - started) / 1000);
  if (!opts.tty) {
    engine.on('round', (m) => {
      if (m.meanAccuracy === undefined) return;
      opts.out.write(
        `round ${String(m.round).padStart(String(total).length)}/${total}  ${fmtAcc(m)}${fmtMia(m)}  consensus ${m.consensusDistance.toExponential(2)}  ${rate(m.round).toFixed(1)} rounds/s\n`,
      );
    });
    return { stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {value}/{total} rounds | {rps} rounds/s | mean acc {acc} | consensus {cd} | eta {eta_formatted}',
      hideCursor: true,
      stream: opts.out as NodeJS.WriteStream,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  // started at the first round, so the set-up description and warnings print above it
  let barStarted = false;
  engine.on('round', (m) => {
    if (!barStarted) {
      bar.start(total, 0, { rps: '-', acc: lastAcc, cd: '-' });
      barStarted = true;
    }
    if (m.meanAccuracy !== undefined) lastAcc = m.meanAccuracy.toFixed(4) + fmtMia(m);
    if (m.epsilon !== undefined) lastAcc += fmtEps(m);
    bar.update(m.round, { rps: rate(m.round).toFixed(1), acc: lastAcc, cd: m.consensusDistance.toExponential(2) });
  });
  let stopped = false;
  return {
    stop() {
      if (!stopped && barStarted) bar.stop();
      stopped = true;
    },
  };
}
