// Hints that send the reader to documentation must name a file that exists and a section it has.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPlaybooks } from '../../../src/playbooks/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const headings = (file: string): string[] =>
  readFileSync(join(ROOT, file), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('#'))
    .map((l) => l.replace(/^#+\s*/, '').toLowerCase());

/** Every "the X section of FILE" and "see FILE" in a string of the source (not a comment). */
function references(): { at: string; file: string; section?: string }[] {
  const out: { at: string; file: string; section?: string }[] = [];
  for (const path of sources(join(ROOT, 'src'))) {
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/^\s*(\/\/|\*|\/\*)/.test(line)) return;
        const at = `${path.slice(ROOT.length)}:${i + 1}`;
        for (const m of line.matchAll(/the ([\w -]+?) section of (the README|[\w/.-]+\.md)/g))
          out.push({ at, file: m[2] === 'the README' ? 'README.md' : m[2]!, section: m[1]! });
        for (const m of line.matchAll(/\b(docs\/[\w.-]+\.md|README\.md)\b/g))
          out.push({ at, file: m[1]! });
      });
  }
  return out;
}

describe('hints that name documentation', () => {
  it('name files that exist and sections those files have', () => {
    const refs = references();
    expect(refs.length).toBeGreaterThan(2);
    for (const ref of refs) {
      let titles: string[];
      try {
        titles = headings(ref.file);
      } catch {
        throw new Error(`${ref.at}: ${ref.file} does not exist`);
      }
      if (ref.section !== undefined)
        expect(
          titles.some((t) => t.includes(ref.section!.toLowerCase())),
          `${ref.at}: ${ref.file} has no "${ref.section}" section`,
        ).toBe(true);
    }
  });

  it('send a parameter mistake to docs/playbooks.md, which lists every built-in kind and its parameters', () => {
    const text = readFileSync(join(ROOT, 'docs/playbooks.md'), 'utf8');
    const builtIn = text.split('### Built-in kinds')[1]!.split('\n### ')[0]!;
    const section = (kind: string): string => {
      const own = builtIn.split(`**${kind}**`)[1]?.split('\n\n')[0] ?? '';
      // A kind described as another "with" some changes takes that one's parameters too.
      const base = /^ \(\w+\): ([\w-]+) with/.exec(own)?.[1];
      return base !== undefined ? own + section(base) : own;
    };
    const registry = loadPlaybooks({ userDirs: [] });
    expect(registry.kinds.length).toBeGreaterThan(3);
    for (const kind of registry.kinds) {
      const documented = section(kind);
      expect(documented, `no **${kind}** in Built-in kinds`).not.toBe('');
      const missing = Object.keys(registry.get(kind).params ?? {}).filter(
        (p) => !documented.includes(`\`${p}\``),
      );
      expect(missing, `${kind}: parameters not in docs/playbooks.md`).toEqual([]);
    }
  });
});

describe('the README command table', () => {
  it('has a row for every command the CLI registers', async () => {
    const { buildProgram } = await import('../../../src/cli/main.js');
    const io = {
      stdout: () => undefined,
      stderr: () => undefined,
      isTTY: false,
      env: {},
      cwd: ROOT,
    };
    const program = buildProgram({
      io,
      global: () => ({ json: false, debug: false }),
      setExit: () => undefined,
    });
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.split('\n## Commands\n')[1]!.split('\n\n')[0]!;
    const firstColumn = table
      .split('\n')
      .map((row) => row.split('|')[1] ?? '')
      .join('\n');
    const missing = program.commands
      .flatMap((c) => [c.name(), ...c.commands.map((sub) => `${c.name()} ${sub.name()}`)])
      .filter(
        (name) => !new RegExp(`(^|[\`\\s])${name.split(' ').at(-1)}\\b`, 'm').test(firstColumn),
      );
    expect(missing).toEqual([]);
  });
});
