#!/usr/bin/env node
/**
 * How many lines wf-fix adds to workflow files (issue 13's measure): each
 * given workflow file is copied alone into a fresh repository as
 * .github/workflows/<name>, wf-fix (dist/, built) runs a dry run there, and
 * the `+` lines of the diff are counted, generated files under
 * .github/actions/ left out. Prints one line per changed file and a summary:
 * files, input lines, added lines (and their share of the input lines of
 * all files given), the largest single-file addition.
 *
 *   node scripts/added-lines.mjs [--config wf-fix.config.json] FILE|DIR...
 *
 * Directories are read for *.yml / *.yaml (not recursively).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/src/cli.js');

const args = process.argv.slice(2);
let config;
const inputs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--config') config = resolve(args[++i]);
  else inputs.push(args[i]);
}
const files = inputs.flatMap((p) => (statSync(p).isDirectory()
  ? readdirSync(p).filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => join(p, n))
  : [p]));

/** `+` lines of the diff sections of workflow files (not .github/actions/). */
function addedLines(diff) {
  let count = 0;
  let counting = false;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) counting = !/ b\/\.github\/actions\//.test(line);
    else if (counting && line.startsWith('+') && !line.startsWith('+++ ')) count++;
  }
  return count;
}

let inputLines = 0;
let added = 0;
let changed = 0;
let largest = { file: '', added: 0, lines: 0 };
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  inputLines += lines;
  const repo = mkdtempSync(join(tmpdir(), 'wf-fix-added-'));
  mkdirSync(join(repo, '.github/workflows'), { recursive: true });
  copyFileSync(file, join(repo, '.github/workflows', basename(file)));
  const r = spawnSync('node', [CLI, ...(config ? ['--config', config] : []), '.'], { cwd: repo, encoding: 'utf8', maxBuffer: 64 << 20 });
  rmSync(repo, { recursive: true, force: true });
  const n = addedLines(r.stdout);
  if (!n) continue;
  changed++;
  added += n;
  if (n > largest.added) largest = { file, added: n, lines };
  console.log(`${String(n).padStart(5)} +  ${String(lines).padStart(5)} lines  ${file}`);
}
const pct = inputLines ? ((100 * added) / inputLines).toFixed(1) : '0';
console.log(`files: ${files.length} (${changed} changed); input lines: ${inputLines}; added lines: ${added} (${pct}% of input)`);
console.log(`largest addition: +${largest.added} in ${largest.file} (${largest.lines} lines)`);
