// What the browser tests stand on: the built CLI and page, Debian's Chromium driven by
// playwright-core, and the `plexus` process whose printed URL they open.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CHROMIUM = process.env.PLEXUS_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots land here (the test's output). */
export const OUTPUT_DIR = resolve(process.env.PLEXUS_E2E_OUTPUT ?? join(ROOT, 'test', 'e2e', 'output'));

/** Fails early with what to do, rather than deep inside a browser. */
export function checkPrerequisites(): void {
  const missing: string[] = [];
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) missing.push('the CLI is not built: run `npm run build`');
  if (!existsSync(join(ROOT, 'dist', 'viz', 'page', 'index.html'))) missing.push('the viz page is not built: run `npm run build`');
  if (!existsSync(CHROMIUM)) missing.push(`no Chromium at ${CHROMIUM}: run \`bash .ci/install-chromium.sh\` (Debian's chromium package)`);
  if (missing.length) throw new Error(`browser test prerequisites:\n  - ${missing.join('\n  - ')}`);
  mkdirSync(OUTPUT_DIR, { recursive: true });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // SwiftShader gives sigma its WebGL context without a GPU; no sandbox as root in CI
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
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
