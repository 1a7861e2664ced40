// What the browser tests stand on: the built CLI and page, a Chromium driven by
// playwright-core, and the `plexus` process whose printed URL they open.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import serverlessChromium from '@sparticuz/chromium';
import { afterAll, beforeAll } from 'vitest';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** A system Chromium, used when present (PLEXUS_CHROMIUM, else Debian's package). */
export const SYSTEM_CHROMIUM = process.env.PLEXUS_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots land here (the test's output). */
export const OUTPUT_DIR = resolve(process.env.PLEXUS_E2E_OUTPUT ?? join(ROOT, 'test', 'e2e', 'output'));

/** Fails early with what to do, rather than deep inside a browser. */
export function checkPrerequisites(): void {
  const missing: string[] = [];
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) missing.push('the CLI is not built: run `npm run build`');
  if (!existsSync(join(ROOT, 'dist', 'viz', 'page', 'index.html'))) missing.push('the viz page is not built: run `npm run build`');
  if (process.env.PLEXUS_CHROMIUM && !existsSync(SYSTEM_CHROMIUM)) missing.push(`PLEXUS_CHROMIUM=${SYSTEM_CHROMIUM} does not exist: unset it to use the npm Chromium`);
  if (missing.length) throw new Error(`browser test prerequisites:\n  - ${missing.join('\n  - ')}`);
  mkdirSync(OUTPUT_DIR, { recursive: true });
}

// SwiftShader gives sigma its WebGL context without a GPU; no sandbox as root in CI
const OUR_ARGS = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export interface ChromiumChoice {
  source: 'system' | 'npm';
  executablePath: string;
  args: string[];
}

/**
 * The system Chromium where one is installed, otherwise the one `npm install` brings
 * (@sparticuz/chromium: a headless shell with SwiftShader, unpacked to the temp folder on first use).
 */
export async function chooseChromium(): Promise<ChromiumChoice> {
  if (existsSync(SYSTEM_CHROMIUM)) return { source: 'system', executablePath: SYSTEM_CHROMIUM, args: OUR_ARGS };
  const executablePath = await serverlessChromium.executablePath();
  return { source: 'npm', executablePath, args: mergeArgs(serverlessChromium.args, OUR_ARGS) };
}

/**
 * Its serverless flags we do not take: a single process dies with its last page (the tests
 * open several in turn), and the page must run under the browser's real security model.
 */
const NOT_FOR_US = new Set(['--single-process', '--disable-web-security', '--allow-running-insecure-content']);

/** Flags from both lists, ours winning where both set the same switch. */
export function mergeArgs(base: string[], ours: string[]): string[] {
  const key = (a: string) => a.split('=')[0];
  const mine = new Set(ours.map(key));
  return [...base.filter((a) => !mine.has(key(a)) && !NOT_FOR_US.has(key(a))), ...ours];
}

export async function launchChromium(): Promise<Browser> {
  const { executablePath, args } = await chooseChromium();
  return chromium.launch({ executablePath, args });
}

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first http URL the process prints. */
  url: Promise<string>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Ctrl-C, then the exit code (SIGKILL after `graceMs`). */
  interrupt(graceMs?: number): Promise<number | null>;
}

export function runCli(args: string[], opts: { urlTimeoutMs?: number } = {}): CliProcess {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'plexus.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`plexus ${args.join(' ')} printed no URL in time.\nstdout:\n${out}\nstderr:\n${err}`)),
      opts.urlTimeoutMs ?? 60000,
    );
    const look = () => {
      const m = /https?:\/\/[^\s)]+/.exec(out + '\n' + err);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[0]);
      }
    };
    child.stdout.on('data', (c: Buffer) => ((out += c.toString()), look()));
    child.stderr.on('data', (c: Buffer) => ((err += c.toString()), look()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`plexus ${args.join(' ')} exited (${code}) before printing a URL.\nstdout:\n${out}\nstderr:\n${err}`));
    });
  });
  url.catch(() => {});
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    url,
    exited,
    async interrupt(graceMs = 10000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export interface BrowserSession {
  /** set once the file's beforeAll has run */
  browser: Browser;
  /** a fresh temp folder, removed after the file */
  dir: string;
  /** runCli, ended (Ctrl-C, then SIGKILL) after the file if still running */
  start(args: string[]): CliProcess;
}

/** A test file's Chromium, temp folder and `plexus` processes: set up before its tests, all ended after them. */
export function browserSession(prefix: string): BrowserSession {
  const started: CliProcess[] = [];
  const session: BrowserSession = {
    browser: undefined as unknown as Browser,
    dir: '',
    start(args) {
      const p = runCli(args);
      started.push(p);
      return p;
    },
  };
  beforeAll(async () => {
    checkPrerequisites();
    session.browser = await launchChromium();
    session.dir = mkdtempSync(join(tmpdir(), prefix));
  }, 60000);
  afterAll(async () => {
    await Promise.all(started.map((p) => p.interrupt(2000)));
    await session.browser?.close();
    if (session.dir) rmSync(session.dir, { recursive: true, force: true });
  });
  return session;
}
