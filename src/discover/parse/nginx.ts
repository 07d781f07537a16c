// `nginx -T` output: every configuration file, each after `# configuration file PATH:`. Files are
// tokenised separately and `include` directives are spliced back in, so server blocks in
// included files are seen in their http/stream context.
import { type ConfiguredEndpoint } from '../types.js';
import { tokenize, type Token } from './nginx-tokens.js';

export interface NginxListen {
  readonly address: string | null;
  readonly port: number;
  readonly ssl: boolean;
}

export interface NginxServer {
  readonly listens: readonly NginxListen[];
  readonly names: readonly string[];
  readonly certFiles: readonly string[];
  /** ssl_certificate_key per certificate, in the same order. */
  readonly keyFiles: readonly string[];
}

const MAX_DEPTH = 16;
const MAX_TOKENS = 2_000_000;

/** Splits nginx -T output into files, in the order printed (the main file first). */
export function splitNginxFiles(text: string): Map<string, string> {
  const files = new Map<string, string>();
  let current: string | undefined;
  let body: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^# configuration file (.+):$/.exec(line);
    if (m !== null) {
      if (current !== undefined) files.set(current, body.join('\n'));
      current = m[1];
      body = [];
    } else if (current !== undefined) body.push(line);
  }
  if (current !== undefined) files.set(current, body.join('\n'));
  return files;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|\\]/g, '\\$&');
  return new RegExp(
    `^${escaped.replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\[!/g, '[^')}$`,
  );
}

function dirOf(path: string): string {
  return path.slice(0, Math.max(0, path.lastIndexOf('/')));
}

/** The main file's tokens with includes expanded (bounded depth and size). */
function expand(files: Map<string, string>): Token[] {
  const main = [...files.keys()][0];
  if (main === undefined) return [];
  const base = dirOf(main);
  const cache = new Map<string, Token[]>();
  const tokensOf = (f: string): Token[] => {
    let t = cache.get(f);
    if (t === undefined) cache.set(f, (t = tokenize(files.get(f) ?? '')));
    return t;
  };
  const out: Token[] = [];
  const walk = (file: string, depth: number): void => {
    const toks = tokensOf(file);
    for (let i = 0; i < toks.length && out.length < MAX_TOKENS; i++) {
      const t = toks[i]!;
      const arg = toks[i + 1];
      if (t.word === 'include' && arg !== undefined && toks[i + 2]?.word === ';') {
        const path = arg.word.startsWith('/') ? arg.word : `${base}/${arg.word}`;
        const re = globToRegExp(path);
        if (depth < MAX_DEPTH)
          for (const f of [...files.keys()].filter((k) => re.test(k)).sort()) walk(f, depth + 1);
        i += 2;
        continue;
      }
      out.push(t);
    }
  };
  walk(main, 0);
  return out;
}

interface Block {
  readonly name: string;
  readonly args: string[];
  readonly directives: { name: string; args: string[] }[];
  readonly children: Block[];
}

function buildTree(tokens: Token[]): Block {
  const root: Block = { name: '', args: [], directives: [], children: [] };
  const stack: Block[] = [root];
  let words: string[] = [];
  for (const t of tokens) {
    const top = stack[stack.length - 1]!;
    if (t.word === ';' && !t.quoted) {
      const [name, ...args] = words;
      if (name !== undefined) top.directives.push({ name, args });
      words = [];
    } else if (t.word === '{' && !t.quoted) {
      const [name, ...args] = words;
      const b: Block = { name: name ?? '', args, directives: [], children: [] };
      top.children.push(b);
      stack.push(b);
      words = [];
    } else if (t.word === '}' && !t.quoted) {
      if (stack.length > 1) stack.pop();
      words = [];
    } else words.push(t.word);
  }
  return root;
}

export function parseListen(args: readonly string[], sslOn: boolean): NginxListen | undefined {
  const first = args[0];
  if (first === undefined || first.startsWith('unix:') || args.includes('quic')) return undefined;
  const ssl = sslOn || args.includes('ssl');
  if (/^\d+$/.test(first)) return { address: null, port: Number(first), ssl };
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(first);
  if (m === null) return undefined;
  let address: string | null = m[1] ?? m[2] ?? null;
  if (address === '*' || address === '0.0.0.0' || address === '::') address = null;
  return { address, port: m[3] !== undefined ? Number(m[3]) : 80, ssl };
}

const argsOf = (b: Block, name: string): string[] =>
  b.directives.filter((d) => d.name === name).map((d) => d.args[0] ?? '');
const usable = (f: string) => f !== '' && !f.includes('$');

/** Server blocks of http and stream contexts, with inherited ssl_certificate. */
export function parseNginxConfig(text: string): NginxServer[] {
  const tree = buildTree(expand(splitNginxFiles(text)));
  const servers: NginxServer[] = [];
  for (const ctx of tree.children.filter((c) => c.name === 'http' || c.name === 'stream')) {
    const inherited = argsOf(ctx, 'ssl_certificate');
    const inheritedKeys = argsOf(ctx, 'ssl_certificate_key');
    const ctxSslOn = ctx.directives.some((d) => d.name === 'ssl' && d.args[0] === 'on');
    for (const s of ctx.children.filter((c) => c.name === 'server')) {
      const sslOn = ctxSslOn || s.directives.some((d) => d.name === 'ssl' && d.args[0] === 'on');
      const own = argsOf(s, 'ssl_certificate');
      const ownKeys = argsOf(s, 'ssl_certificate_key');
      servers.push({
        listens: s.directives
          .filter((d) => d.name === 'listen')
          .map((d) => parseListen(d.args, sslOn))
          .filter((l): l is NginxListen => l !== undefined),
        names: s.directives.filter((d) => d.name === 'server_name').flatMap((d) => d.args),
        certFiles: (own.length > 0 ? own : inherited).filter(usable),
        keyFiles: (ownKeys.length > 0 ? ownKeys : inheritedKeys).filter(usable),
      });
    }
  }
  return servers;
}

/** A name a client could send as SNI: no wildcard, regex, catch-all or empty name. */
export const isPlainName = (n: string): boolean =>
  /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(n) && !/^\d+(\.\d+){3}$/.test(n);

/** One endpoint per TLS listen and certificate file (`443` and `[::]:443` are one). */
export function nginxEndpoints(servers: readonly NginxServer[]): ConfiguredEndpoint[] {
  const out = new Map<string, ConfiguredEndpoint>();
  for (const s of servers) {
    for (const l of s.listens.filter((x) => x.ssl)) {
      const files = s.certFiles.length > 0 ? s.certFiles : [undefined];
      for (const [i, f] of files.entries()) {
        const key = s.keyFiles[i];
        const e: ConfiguredEndpoint = {
          source: 'nginx',
          address: l.address,
          port: l.port,
          names: s.names.filter(isPlainName),
          ...(f !== undefined ? { certFile: f } : {}),
          ...(f !== undefined && key !== undefined ? { keyFile: key } : {}),
        };
        out.set(JSON.stringify(e), e);
      }
    }
  }
  return [...out.values()];
}
