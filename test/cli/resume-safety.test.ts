// plexus resume checks everything it reads before it changes a file: a forged or corrupt
// checkpoint, damaged run files, links, FIFOs, a second writer and Ctrl-C during set-up are all
// refused, and the finished run they were aimed at stays byte-identical.
import { cpSync, existsSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assembleCheckpoint, decodeCheckpoint, encodeCheckpoint, splitCheckpoint, type Checkpoint } from '../../src/checkpoint/index.js';
import { jsonLines, plexus, shellStatus, start, tempDir, until, writeConfig } from './helpers.js';
import { snapshot } from './run-files.js';

const root = tempDir('plexus-resume-safety-');
// 4 peers of 83 parameters (mlp 6-8-3): enough floats to flip 160 sign bits
const config = writeConfig(root, 'four.yaml', `peers: 4
rounds: 6
topology: { kind: ring, k: 1 }
data: { dataset: { kind: blobs, classes: 3, features: 6, trainSize: 800, testSize: 200 }, examplesPerPeer: 50 }
model: { kind: mlp, hidden: [8] }
train: { batchSize: 10 }
eval: { every: 3, testExamples: 200 }
`);
const base = join(root, 'base');
let copies = 0;

beforeAll(async () => {
  const made = await plexus(['run', config, '--out', base, '-q', '--workers', '0', '--save-final']);
  expect(made.code).toBe(0);
}, 120_000);

/** A fresh copy of the finished run, damaged by `damage`. */
function damaged(damage: (dir: string) => void): string {
  const dir = join(root, `copy-${copies++}`);
  cpSync(base, dir, { recursive: true });
  damage(dir);
  return dir;
}

const cpPath = (dir: string) => join(dir, 'checkpoint.bin');
function editCheckpoint(dir: string, edit: (cp: Checkpoint) => void): void {
  const cp = decodeCheckpoint(readFileSync(cpPath(dir))) as Checkpoint;
  edit(cp);
  writeFileSync(cpPath(dir), encodeCheckpoint(cp));
}
/** Rewrites the header text and seals the file again (a valid checksum over a forged header). */
function editHeader(dir: string, edit: (header: string) => string): void {
  const { header, body } = splitCheckpoint(readFileSync(cpPath(dir)));
  const changed = edit(header);
  expect(changed).not.toBe(header);
  writeFileSync(cpPath(dir), assembleCheckpoint(changed, body));
}
/** Flips `mask` in the most significant byte of the first `count` params (little-endian float32). */
function flipParams(dir: string, count: number, mask: number): void {
  const bytes = readFileSync(cpPath(dir));
  const { header } = splitCheckpoint(bytes);
  const at = (JSON.parse(header) as { engine: { params: { at: number } } }).engine.params.at;
  const bodyStart = 48 + Math.ceil(Buffer.byteLength(header) / 8) * 8;
  for (let i = 0; i < count; i++) bytes[bodyStart + at + 4 * i + 3] ^= mask;
  writeFileSync(cpPath(dir), bytes);
}

/** Runs `plexus resume` on a damaged copy and checks it changed nothing there. */
async function refused(dir: string, args: string[] = ['--rounds', '8'], code = 2) {
  const before = snapshot(dir);
  const exit = await plexus(['resume', dir, '-q', '--workers', '0', ...args], { timeout: 60_000 });
  expect(exit.code, exit.stderr).toBe(code);
  expect(exit.stderr).not.toMatch(/\n\s+at /); // one message, no stack
  expect(snapshot(dir)).toEqual(before);
  return exit.stderr;
}

describe('resume refuses a corrupt or forged checkpoint, leaving the run byte-identical', () => {
  it('one flipped exponent bit: the checksum fails and the file is named', async () => {
    const dir = damaged((d) => flipParams(d, 1, 0x40));
    expect(await refused(dir)).toMatch(new RegExp(`${cpPath(dir)}: its checksum does not match its content: the file is corrupt`));
  }, 60_000);

  it('160 flipped sign bits: the checksum fails', async () => {
    const dir = damaged((d) => flipParams(d, 160, 0x80));
    expect(await refused(dir)).toMatch(/checksum does not match/);
  }, 60_000);

  for (const round of [-2, 1.5, 0]) {
    it(`a header round of ${round} is refused`, async () => {
      const dir = damaged((d) => editCheckpoint(d, (cp) => (cp.round = round)));
      expect(await refused(dir)).toMatch(new RegExp(`round ${round} is not a whole number from 1 to 8`));
    }, 60_000);
  }

  it('a parameter array of the wrong length is refused', async () => {
    const dir = damaged((d) => editCheckpoint(d, (cp) => (cp.engine.params = new Float32Array(cp.engine.params.length + 5))));
    expect(await refused(dir)).toMatch(/params has 337 entries, this run needs 332 \(4 peers x 83 parameters\)/);
  }, 60_000);

  it('parameters for 2 of 4 peers are refused, by resume and by export (no all-NaN model)', async () => {
    const dir = damaged((d) => editCheckpoint(d, (cp) => (cp.engine.params = cp.engine.params.slice(0, 2 * 83))));
    expect(await refused(dir)).toMatch(/params has 166 entries, this run needs 332/);
    const out = join(root, `export-${copies}`);
    const exported = await plexus(['export', dir, '--average', '--out', out]);
    expect([exported.code, exported.stderr]).toEqual([2, expect.stringMatching(/params has 166 entries, this run needs 332/)]);
    expect(existsSync(join(out, 'model.json'))).toBe(false);
  }, 60_000);

  it('a negative array offset is refused', async () => {
    const dir = damaged((d) => editHeader(d, (h) => h.replace('"at":0,', '"at":-8,')));
    expect(await refused(dir)).toMatch(/offset -8 is not a non-negative multiple of 8/);
  }, 60_000);

  it('an unknown array type is refused, and so is a known type in the wrong place', async () => {
    const unknown = damaged((d) => editHeader(d, (h) => h.replace('"$array":"Float32Array"', '"$array":"Float16Array"')));
    expect(await refused(unknown)).toMatch(/unknown array type "Float16Array"/);
    const wrong = damaged((d) => editCheckpoint(d, (cp) => ((cp.engine as unknown as Record<string, unknown>).params = new Float64Array(cp.engine.params))));
    expect(await refused(wrong)).toMatch(/params is a Float64Array, a Float32Array expected/);
  }, 60_000);

  it('a checkpoint from before checksums gets a clear message', async () => {
    const dir = damaged((d) => {
      const bytes = readFileSync(cpPath(d));
      bytes.writeUInt32LE(0, 12);
      writeFileSync(cpPath(d), bytes);
    });
    expect(await refused(dir)).toMatch(/written by an earlier Plexus, before checkpoints carried a checksum/);
  }, 60_000);

  it('a FIFO in place of the checkpoint is refused at once instead of hanging', async () => {
    const dir = damaged((d) => {
      rmSync(cpPath(d));
      execFileSync('mkfifo', [cpPath(d)]);
    });
    expect(await refused(dir)).toMatch(/checkpoint\.bin: a FIFO \(named pipe\), not a regular file/);
  }, 60_000);

  it('a sealed checkpoint whose parameters blow up fails during the run (exit 1) and still leaves the run as it was', async () => {
    const dir = damaged((d) => editCheckpoint(d, (cp) => cp.engine.params.fill(1e30)));
    await refused(dir, ['--rounds', '8'], 1);
    expect(existsSync(join(dir, '.plexus-resume'))).toBe(false);
  }, 60_000);
});

describe('resume refuses damaged run files, leaving the run byte-identical', () => {
  it('summary.json linked to /dev/zero is not read', async () => {
    const dir = damaged((d) => {
      rmSync(join(d, 'summary.json'));
      symlinkSync('/dev/zero', join(d, 'summary.json'));
    });
    expect(await refused(dir)).toMatch(/summary\.json .*symbolic link/);
  }, 60_000);

  it('summary.json holding null or garbage is a message, not a stack', async () => {
    const nul = damaged((d) => writeFileSync(join(d, 'summary.json'), 'null\n'));
    expect(await refused(nul)).toMatch(/summary\.json is not a run's summary/);
    const garbage = damaged((d) => writeFileSync(join(d, 'summary.json'), 'garbage{'));
    expect(await refused(garbage)).toMatch(/summary\.json is not JSON/);
  }, 60_000);
});

describe('resume tells the truth about the run\'s history', () => {
  const metrics = (d: string) => join(d, 'metrics.jsonl');
  const cutMidLine = (d: string) => {
    const text = readFileSync(metrics(d), 'utf8');
    const third = text.split('\n').slice(0, 2).join('\n').length + 1;
    truncateSync(metrics(d), third + 10);
  };
  const withGarbage = (d: string) => {
    const lines = readFileSync(metrics(d), 'utf8').split('\n');
    lines.splice(1, 0, 'garbage{');
    writeFileSync(metrics(d), lines.join('\n'));
  };
  const cases: [string, (d: string) => void, RegExp, number[]][] = [
    ['metrics.jsonl cut in the middle of a line', cutMidLine, /metrics\.jsonl: no line for rounds 3-5[^]*line 3 is cut short/, [1, 2, 6, 7, 8]],
    ['metrics.jsonl deleted', (d) => rmSync(metrics(d)), /metrics\.jsonl is missing \(it should hold rounds 1-5\)/, [6, 7, 8]],
    ['metrics.jsonl with a garbage line', withGarbage, /metrics\.jsonl: line 2 is not a line of a round \("garbage\{"\)/, [1, 2, 3, 4, 5, 6, 7, 8]],
    ['peers.jsonl deleted', (d) => rmSync(join(d, 'peers.jsonl')), /peers\.jsonl is missing \(it should hold rounds 3\)/, [1, 2, 3, 4, 5, 6, 7, 8]],
  ];
  for (const [what, damage, message, after] of cases) {
    it(`${what}: refused with exit 2 and the run unchanged; --force says what is missing and goes on`, async () => {
      const dir = damaged(damage);
      const stderr = await refused(dir);
      expect(stderr).toMatch(message);
      expect(stderr).toMatch(/do not reach round 6, where its checkpoint is; add --force/);
      const forced = await plexus(['resume', dir, '-q', '--workers', '0', '--rounds', '8', '--force']);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stderr).toMatch(/resume --force: /);
      expect(forced.stderr).toMatch(message.source.includes('missing') ? /is missing/ : message);
      expect(jsonLines(metrics(dir)).map((l) => l.round)).toEqual(after);
      expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).rounds).toBe(8);
      expect(existsSync(join(dir, '.plexus.lock')) || existsSync(join(dir, '.plexus-resume'))).toBe(false);
    }, 90_000);
  }
});

describe('one writer per run directory', () => {
  it('a second resume (or a run --force) while one runs exits 2 naming the first; Ctrl-C then keeps the rounds done', async () => {
    const dir = damaged(() => {});
    const first = start(['resume', dir, '-q', '--workers', '0', '--rounds', '100000']);
    const staged = join(dir, '.plexus-resume', 'metrics.jsonl');
    await until(() => existsSync(staged) && readFileSync(staged, 'utf8').split('\n').length > 10, 60_000, 'the resumed run to pass round 8', first);
    expect(existsSync(join(dir, '.plexus.lock'))).toBe(true);
    const pid = first.child.pid!;
    const runFiles = () => Object.fromEntries(Object.entries(snapshot(dir)).filter(([k]) => !k.startsWith('.')));
    const before = runFiles();
    const second = await plexus(['resume', dir, '-q', '--rounds', '50']);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`in use by \`plexus resume\` \\(pid ${pid}, since `));
    const replace = await plexus(['run', config, '--out', dir, '--force', '-q']);
    expect(replace.code).toBe(2);
    expect(replace.stderr).toMatch(new RegExp(`in use by \`plexus resume\` \\(pid ${pid}`));
    expect(runFiles()).toEqual(before); // the finished run's files are untouched while the resume runs
    first.child.kill('SIGINT');
    expect(shellStatus(await first.exited)).toBe(130);
    const rounds = jsonLines(join(dir, 'metrics.jsonl')).map((l) => l.round);
    expect(rounds.length).toBeGreaterThan(8);
    expect(rounds).toEqual(rounds.map((_, i) => i + 1));
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect([summary.aborted, summary.rounds]).toEqual([true, rounds.length]);
    expect(existsSync(join(dir, '.plexus.lock'))).toBe(false);
    expect(existsSync(join(dir, '.plexus-resume'))).toBe(false);
  }, 120_000);
});

describe('Ctrl-C during the set-up of a resume', () => {
  it('leaves the finished run byte-identical (resume --rounds 60)', async () => {
    // a large dataset to generate and two workers to start: set-up takes a while
    const slow = writeConfig(root, 'slow.yaml', `peers: 4
rounds: 3
topology: { kind: ring, k: 1 }
data: { dataset: { kind: blobs, classes: 3, features: 400, trainSize: 40000, testSize: 200 }, examplesPerPeer: 50 }
model: { kind: logistic }
train: { batchSize: 10 }
eval: { every: 3, testExamples: 200 }
`);
    const dir = join(root, 'slow-run');
    expect((await plexus(['run', slow, '--out', dir, '-q', '--workers', '2', '--save-final'])).code).toBe(0);
    const before = snapshot(dir);
    const resume = start(['resume', dir, '-q', '--workers', '2', '--rounds', '60']);
    await until(() => /resuming /.test(resume.stderr()), 60_000, 'the set-up to begin', resume);
    resume.child.kill('SIGINT');
    expect(shellStatus(await resume.exited)).toBe(130);
    expect(resume.stderr()).toMatch(/interrupted: stopping (before the run starts|after set-up)/);
    expect(snapshot(dir)).toEqual(before);
  }, 120_000);
});

describe('a resume stopped without a clean end', () => {
  it('SIGTERM during the resumed rounds leaves the run byte-identical, without lock or stage', async () => {
    const dir = damaged(() => {});
    const before = snapshot(dir);
    const resume = start(['resume', dir, '-q', '--workers', '0', '--rounds', '100000']);
    const staged = join(dir, '.plexus-resume', 'metrics.jsonl');
    await until(() => existsSync(staged) && readFileSync(staged, 'utf8').split('\n').length > 10, 60_000, 'the resumed run to pass round 8', resume);
    resume.child.kill('SIGTERM');
    expect(shellStatus(await resume.exited)).toBe(143);
    expect(snapshot(dir)).toEqual(before);
  }, 120_000);
});
