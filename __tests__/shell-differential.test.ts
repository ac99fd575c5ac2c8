/**
 * Differential test (issue 15): the hand-written reader wf-fix used before
 * (__tests__/legacy/script-reader.ts) and the tree-sitter-bash module
 * (transforms/shell/syntax.ts) answer the same questions over every `run:`
 * script of the corpus (all folders) and of the property generator. Every
 * class of disagreement is listed here with which side is right; a new class
 * fails the test.
 */
import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml, toPlain } from '../src/yaml.js';
import type { ScriptFacts } from '../transforms/shell/script.js';
import { analyseScript } from '../transforms/shell/syntax.js';
import { legacyAnalyseScript } from './legacy/script-reader.js';
import { render, RUNS, SEED, workflowArb } from './workflow-generator.js';

const CORPUS = join(import.meta.dirname, '..', '..', 'shared', 'corpus');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(e) ? [p] : [];
  });
}

function runScripts(text: string, out: string[]): void {
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'run' && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  try {
    for (const doc of parseYaml(text).docs) walk(toPlain(doc));
  } catch { /* not YAML the project reads: no scripts */ }
}

/** Items of `a` not matched one-to-one in `b`. */
function minus(a: string[], b: string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  return a.filter((x) => {
    const n = left.get(x) ?? 0;
    if (n) left.set(x, n - 1);
    return !n;
  });
}

const commandTexts = (f: ScriptFacts) => f.commands.map((c) => c.words.map((w) => w.text).join(' '));
const framed = (f: ScriptFacts) => f.commands.map((c) => `${c.words.map((w) => w.text).join(' ')} @ ${c.frames.map((x) => x.kind).join('/')}`);
const readsOf = (f: ScriptFacts) => f.reads.map((r) => `${r.name}:${r.safe ? 'safe' : 'plain'}`);
const assignsOf = (f: ScriptFacts) => f.assigns.map((a) => `${a.name}:${a.definite ? 'definite' : 'maybe'}`);

/** Disagreement classes of one script (question: what differs). */
function disagreements(script: string): string[] {
  const old = legacyAnalyseScript(script);
  const now = analyseScript(script);
  const out: string[] = [];
  if (old.problems.length || now.problems.length) {
    if (!old.problems.length) out.push(/\$[A-Za-z_0-9]/.test(script) && !/^\s*import /m.test(script) ? 'problems: new only, grammar splits `$A/$B` (tree-sitter-bash #306/#315)' : 'problems: new only, not bash (a python script)');
    else if (!now.problems.length) out.push('problems: old only');
    return out;
  }
  const [o, n] = [commandTexts(old), commandTexts(now)];
  for (const x of minus(o, n)) {
    if (x === '') out.push('commands: old counts an assignment-only statement as a command');
    else if (x.startsWith('[ ') || x.startsWith('[[ ')) out.push('commands: old counts [ ] / [[ ]] as a command, new has a test_command');
    else out.push(`commands: old only (${x})`);
  }
  for (const x of minus(n, o)) {
    const at = script.indexOf(x);
    out.push(at > 0 && script.lastIndexOf('`', at) > script.lastIndexOf('\n', at) ? 'commands: new reads commands inside backticks' : `commands: new only (${x})`);
  }
  for (const x of minus(framed(old), framed(now))) {
    const [cmd, frames] = x.split(' @ ');
    if (!n.includes(cmd!)) continue;
    out.push(frames!.endsWith('pipe') && /\|\|/.test(script) ? 'frames: old keeps a command after `a | b ||` in the pipe frame' : `frames: ${frames}`);
  }
  for (const x of [...minus(readsOf(old), readsOf(now)), ...minus(readsOf(now), readsOf(old))]) out.push(`reads: ${x}`);
  for (const x of [...minus(assignsOf(old), assignsOf(now)), ...minus(assignsOf(now), assignsOf(old))]) out.push(`assigns: ${x}`);
  const opaque = (f: ScriptFacts) => f.opaque.map((x) => x.reason);
  for (const x of [...minus(opaque(old), opaque(now)), ...minus(opaque(now), opaque(old))]) out.push(`opaque: ${x}`);
  for (const e of old.expressions) if (old.contextAt(e.start) !== now.contextAt(e.start)) out.push(`context: ${old.contextAt(e.start)} -> ${now.contextAt(e.start)}`);
  if (JSON.stringify(old.backgrounds) !== JSON.stringify(now.backgrounds)) out.push('backgrounds');
  return out;
}

/**
 * The agreed list. Right side, checked against bash 5:
 * - assignment-only statements, `[ ]`, `[[ ]]`: no consumer asks for them as
 *   commands (deploy words, function calls); neither side is wrong.
 * - backticks: `x=\`node -p ...\`` runs node: new is right (old never looked inside).
 * - `a | b || c`: c is not in the pipeline (bash runs it in the main shell): new is right.
 * - `$A/$B`, `X=$P:$HOME/b`: the grammar splits the second expansion (a bogus
 *   command `HOME/b`); bash expands both: old is right, new refuses ("bash
 *   grammar could not parse line N") rather than guess.
 * - a python script (`shell: python`) read as bash: new is right; no fix reads it as bash.
 */
const AGREED_CORPUS = [
  'commands: new reads commands inside backticks',
  'commands: old counts [ ] / [[ ]] as a command, new has a test_command',
  'commands: old counts an assignment-only statement as a command',
  'frames: old keeps a command after `a | b ||` in the pipe frame',
  'problems: new only, grammar splits `$A/$B` (tree-sitter-bash #306/#315)',
  'problems: new only, not bash (a python script)',
];

const AGREED_GENERATED: string[] = [];

function classes(scripts: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of scripts) for (const d of disagreements(s)) if (!out.has(d)) out.set(d, s);
  return out;
}

describe('old reader vs tree-sitter-bash module', () => {
  const corpusScripts: string[] = [];
  if (existsSync(CORPUS)) for (const f of yamlFiles(CORPUS)) runScripts(readFileSync(f, 'utf8'), corpusScripts);

  test('corpus: every run: script, disagreements only in the agreed classes', () => {
    expect(corpusScripts.length).toBeGreaterThan(1000);
    expect([...classes(corpusScripts).keys()].sort()).toEqual(AGREED_CORPUS);
  });

  test('property generator: every run: script, disagreements only in the agreed classes', () => {
    const scripts: string[] = [];
    for (const w of fc.sample(workflowArb, { seed: SEED, numRuns: RUNS })) runScripts(render(w).replace(/^\uFEFF/, ''), scripts);
    expect(scripts.length).toBeGreaterThan(100);
    expect([...classes(scripts).keys()].sort()).toEqual(AGREED_GENERATED);
  });
});
