// Prints the source files over a line limit and the functions whose bodies are over another,
// counted with the TypeScript compiler's own parser, so a size claim (a review, a closing note)
// can be reproduced:
//   node scripts/code-size.mjs [DIR] [--file-lines N] [--function-lines N]
// Defaults: DIR src, files over 300 lines, function bodies over 100 lines. A body's lines run
// from its opening brace to its closing one; a function nested in another counts on its own
// (and inside its parent's lines too). Exits 0: it reports, the reader judges.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const USAGE = 'usage: node scripts/code-size.mjs [DIR] [--file-lines N] [--function-lines N]';

function parseArgs(argv) {
  const opts = { dir: 'src', fileLines: 300, functionLines: 100 };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--file-lines' || arg === '--function-lines') {
      const n = Number(argv[i + 1]);
      if (!Number.isInteger(n) || n < 1) {
        console.error(`${arg} takes a whole number above 0, got ${argv[i + 1]}\n${USAGE}`);
        process.exit(64);
      }
      opts[arg === '--file-lines' ? 'fileLines' : 'functionLines'] = n;
      i += 1;
    } else if (arg.startsWith('-')) {
      console.error(`unknown option ${arg}\n${USAGE}`);
      process.exit(64);
    } else {
      opts.dir = arg;
    }
  }
  return opts;
}

/** Every .ts file below dir (declaration files aside), sorted so the output is stable. */
function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The name a reader would search for: the function's own, or the variable/property it is bound to. */
function functionName(node) {
  if (node.name !== undefined) return node.name.getText();
  const parent = node.parent;
  if (
    parent !== undefined &&
    (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent))
  ) {
    return parent.name.getText();
  }
  return '<anonymous>';
}

function longFunctions(source, limit) {
  const found = [];
  const lineOf = (pos) => source.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body !== undefined) {
      const first = lineOf(node.body.getStart(source));
      const last = lineOf(node.body.getEnd());
      const lines = last - first + 1;
      if (lines > limit)
        found.push({ name: functionName(node), line: lineOf(node.getStart(source)), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const opts = parseArgs(process.argv.slice(2));
const bigFiles = [];
const bigFunctions = [];
for (const path of tsFiles(opts.dir)) {
  const text = readFileSync(path, 'utf8');
  const rel = relative(process.cwd(), path);
  // wc -l's count: a file's lines are its newlines.
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > opts.fileLines) bigFiles.push({ rel, lines });
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  for (const fn of longFunctions(source, opts.functionLines)) bigFunctions.push({ rel, ...fn });
}
console.log(`files over ${opts.fileLines} lines: ${bigFiles.length}`);
for (const f of bigFiles.sort((a, b) => b.lines - a.lines)) console.log(`  ${f.lines}\t${f.rel}`);
console.log(`function bodies over ${opts.functionLines} lines: ${bigFunctions.length}`);
for (const f of bigFunctions.sort((a, b) => b.lines - a.lines)) {
  console.log(`  ${f.lines}\t${f.rel}:${f.line}\t${f.name}`);
}
