// haproxy configuration: `bind ADDR:PORT[,ADDR:PORT] ssl crt FILE|DIR [crt-list FILE] ...` in
// frontend and listen sections, with `crt-base` from global applied to relative paths.
import { type ConfiguredEndpoint } from '../types.js';

export interface HaproxyBind {
  readonly address: string | null;
  readonly port: number;
  /** Files or directories after `crt` (a directory: every certificate in it). */
  readonly crt: readonly string[];
  /** Files after `crt-list`. */
  readonly crtList: readonly string[];
  readonly section: string;
  /** The configuration file it came from, when the caller knows it. */
  readonly file?: string;
}

const MAX_PORTS_PER_RANGE = 256;

function joinBase(base: string | undefined, path: string): string {
  if (path.startsWith('/') || base === undefined) return path;
  return `${base.replace(/\/+$/, '')}/${path}`;
}

function parseAddress(spec: string): { address: string | null; ports: number[] } | undefined {
  const s = spec.replace(/^(ipv4|ipv6)@/, '');
  if (s.startsWith('unix@') || s.startsWith('/') || s.startsWith('abns@') || s.startsWith('fd@'))
    return undefined;
  const idx = s.lastIndexOf(':');
  if (idx < 0) return undefined;
  let address: string | null = s.slice(0, idx).replace(/^\[|\]$/g, '');
  if (address === '' || address === '*' || address === '0.0.0.0' || address === '::')
    address = null;
  const range = /^(\d+)(?:-(\d+))?$/.exec(s.slice(idx + 1));
  if (range === null) return undefined;
  const from = Number(range[1]);
  const to = Math.min(Number(range[2] ?? range[1]), from + MAX_PORTS_PER_RANGE - 1);
  const ports: number[] = [];
  for (let p = from; p <= to && p <= 65535; p++) if (p > 0) ports.push(p);
  return { address, ports };
}

export function parseHaproxyConfig(text: string): HaproxyBind[] {
  const out: HaproxyBind[] = [];
  let section = '';
  let crtBase: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const words = line.split(/\s+/);
    const head = words[0]!;
    if (
      /^(global|defaults|frontend|backend|listen|resolvers|peers|userlist|program|cache|mailers|ring|http-errors)$/.test(
        head,
      )
    ) {
      section = `${head}${words[1] !== undefined ? ` ${words[1]}` : ''}`;
      continue;
    }
    if (head === 'crt-base' && words[1] !== undefined) crtBase = words[1];
    if (head !== 'bind' || words[1] === undefined || !words.includes('ssl')) continue;
    const crt: string[] = [];
    const crtList: string[] = [];
    for (let i = 2; i < words.length - 1; i++) {
      if (words[i] === 'crt') crt.push(joinBase(crtBase, words[i + 1]!));
      if (words[i] === 'crt-list') crtList.push(joinBase(crtBase, words[i + 1]!));
    }
    for (const spec of words[1].split(',')) {
      const a = parseAddress(spec);
      if (a === undefined) continue;
      for (const port of a.ports) out.push({ address: a.address, port, crt, crtList, section });
    }
  }
  return out;
}

export interface CrtListEntry {
  readonly file: string;
  readonly names: readonly string[];
}

/** A crt-list file: `PATH [ssl options] [sni filters]` per line. */
export function parseCrtList(text: string, crtBase?: string): CrtListEntry[] {
  const out: CrtListEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const file = line.split(/\s+/)[0]!;
    const rest = line
      .slice(file.length)
      .replace(/\[[^\]]*\]/g, ' ')
      .trim();
    const names = rest === '' ? [] : rest.split(/\s+/).filter((n) => !n.startsWith('!'));
    out.push({ file: joinBase(crtBase, file), names });
  }
  return out;
}

/** One configured endpoint per certificate file; directories are expanded by the caller. */
export function haproxyEndpoints(
  binds: readonly HaproxyBind[],
  expand: (path: string) => readonly string[],
  crtLists: ReadonlyMap<string, readonly CrtListEntry[]>,
): ConfiguredEndpoint[] {
  const out: ConfiguredEndpoint[] = [];
  for (const b of binds) {
    const entries: CrtListEntry[] = [
      ...b.crt.flatMap((p) => expand(p).map((file) => ({ file, names: [] }))),
      ...b.crtList.flatMap((l) => crtLists.get(l) ?? []),
    ];
    for (const e of entries.length > 0 ? entries : [undefined]) {
      out.push({
        source: 'haproxy',
        address: b.address,
        port: b.port,
        names: e?.names ?? [],
        ...(e !== undefined ? { certFile: e.file } : {}),
        instance: b.section,
        ...(b.file !== undefined ? { configFile: b.file } : {}),
      });
    }
  }
  return out;
}
