// Node module hooks for plug-in files (registered by plugins.ts, run on Node's loader thread):
// `plexus` resolves to the running Plexus, so a plug-in anywhere on disk imports the very modules
// (and zod) the host uses; a .ts or .mts file is always an ES module, whatever package it sits in.
let plexusUrl = '';

export function initialize(data: { plexusUrl: string }): void {
  plexusUrl = data.plexusUrl;
}

interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: unknown) => Promise<ResolveResult>;

export async function resolve(specifier: string, context: unknown, next: NextResolve): Promise<ResolveResult> {
  if (specifier === 'plexus') return { url: plexusUrl, format: 'module', shortCircuit: true };
  const r = await next(specifier, context);
  if (r.url.startsWith('file:') && /\.m?ts$/.test(new URL(r.url).pathname)) return { ...r, format: 'module' };
  return r;
}
