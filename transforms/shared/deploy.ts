/**
 * Deploy command recognition, the one place that decides what "a deploy" is
 * (deploy-retry, prod-rollback, stack-discovery, kms-* deploy inputs):
 * - deployers: `cdk deploy`, `cdktf deploy`, `sam deploy`, `serverless|sls
 *   deploy`, `pulumi up`, `aws cloudformation deploy|create-stack|update-stack`;
 * - launched directly or through wrappers: `npx [-p pkg] aws-cdk@2 deploy`,
 *   `npm exec`, `yarn|pnpm [exec|dlx] cdk deploy`, `bunx`, `uv|poetry|pipenv|pdm|hatch run`,
 *   `timeout|env|nice|sudo ...`;
 * - through package.json scripts: `npm run X [--] args`, `npm --prefix dir run X`,
 *   `yarn [run] X`, `pnpm [run] X`, `bun run X`, the body read from the
 *   package.json of the step's directory (step `working-directory`, job or
 *   workflow `defaults.run.working-directory`, `--prefix`/`--cwd`/`-C`, a
 *   plain `cd dir` earlier in the script), and scripts that call other
 *   scripts, up to MAX_SCRIPT_DEPTH levels. Bodies are parsed (shell/syntax.ts),
 *   never run. Without a package.json (or a lookup, as in tests) a script is
 *   "not known to deploy", except `npm run cdk ...` style scripts named
 *   after the deployer itself (the CDK app template's `"cdk": "cdk"`).
 */
import { posix } from 'node:path';
import type { PackageScriptsLookup, TransformContext } from '../../src/transform.js';
import type { Job, Step, Workflow } from '../../src/workflow/model.js';
import { getNode, scalarString } from '../../src/yaml.js';
import { repoRelativeDir } from '../../src/packages.js';
import type { ScriptFacts, SimpleCommand } from '../shell/script.js';
import { analyseScript } from '../shell/syntax.js';
import { runScript } from '../shell/run-step.js';

export type DeployerId = 'cdk' | 'sam' | 'serverless' | 'cloudformation' | 'cdktf' | 'pulumi';

export interface Deployer {
  id: DeployerId;
  /** As users write it, for messages. */
  name: string;
  /** Deploys CloudFormation stacks (so CloudFormation rollback and stack facts apply). */
  cloudFormation: boolean;
  /** Why CloudFormation rollback and stack discovery do not apply, when they do not. */
  notApplicable?: string;
}

export const DEPLOYERS: Record<DeployerId, Deployer> = {
  cdk: { id: 'cdk', name: 'cdk deploy', cloudFormation: true },
  sam: { id: 'sam', name: 'sam deploy', cloudFormation: true },
  serverless: { id: 'serverless', name: 'serverless deploy', cloudFormation: true },
  cloudformation: { id: 'cloudformation', name: 'aws cloudformation deploy', cloudFormation: true },
  cdktf: { id: 'cdktf', name: 'cdktf deploy', cloudFormation: false, notApplicable: 'cdktf deploys through Terraform, not CloudFormation stacks' },
  pulumi: { id: 'pulumi', name: 'pulumi up', cloudFormation: false, notApplicable: 'Pulumi keeps its own state, not CloudFormation stacks' },
};

/** Directories and files deployers read or write: what a deploy consumes when shipped as an artifact. */
export const DEPLOY_OUTPUTS = /cdk\.out|cdk[-_]?out|cdktf\.out|\.aws-sam|\.serverless\b|cloud-?assembly|synth|template|packaged|\.cfn|cloudformation/i;

/** Each deployer's tool names (after normalising) and subcommand path. */
const TOOLS: { tool: RegExp; sub: string[][]; id: DeployerId }[] = [
  { tool: /^(?:cdk|aws-cdk)$/, sub: [['deploy']], id: 'cdk' },
  { tool: /^(?:cdktf|cdktf-cli)$/, sub: [['deploy']], id: 'cdktf' },
  { tool: /^sam$/, sub: [['deploy']], id: 'sam' },
  { tool: /^(?:serverless|sls|osls)$/, sub: [['deploy']], id: 'serverless' },
  { tool: /^pulumi$/, sub: [['up'], ['update']], id: 'pulumi' },
  { tool: /^aws$/, sub: [['cloudformation', 'deploy'], ['cloudformation', 'create-stack'], ['cloudformation', 'update-stack']], id: 'cloudformation' },
];
const TOOL_NAMES = /^(?:cdk|aws-cdk|cdktf|cdktf-cli|sam|serverless|sls|osls|pulumi)$/;
/** Commands the retry function can call through (`wf_fix_retry timeout 30m cdk deploy`). */
const PREFIX_COMMANDS = /^(?:timeout|env|nice|sudo|stdbuf|nohup)$/;
/** Python project runners: `uv run cdk deploy`, `poetry run cdk deploy`. */
const PY_RUNNERS = /^(?:uv|poetry|pipenv|pdm|hatch|rye)$/;
/** Options of package runners that take a value (`--prefix dir`, `--filter pkg`). */
const VALUE_OPTIONS = new Set(['--prefix', '-C', '--dir', '--cwd', '--filter', '-F', '-w', '--workspace', '-p', '--package',
  '--with', '--directory', '--project', '--python', '--extra', '--group', '--env', '-e', '--call', '-c']);
/** Options that change the package directory, and how. */
const DIR_OPTIONS = new Set(['--prefix', '-C', '--dir', '--cwd', '--directory', '--project']);

/** Script-calls-script levels followed below the workflow's own command. */
export const MAX_SCRIPT_DEPTH = 3;

export interface DeployHit {
  deployer: DeployerId;
  /** Word index where a wrapper call (`wf_fix_retry `) goes. */
  insert: number;
  /** Word index after the recognised command (the whole command for package scripts). */
  end: number;
  /** package.json scripts followed to the deploy, outermost first. */
  via: string[];
  /** The deployer's own words after its subcommand (as written, quotes kept), for options such as --stack-name. */
  args: string[];
  /** A retry helper already runs it (`wf_fix_retry cdk deploy`, `retry 3 npx cdk deploy`). */
  retried?: boolean;
  /** Run by `xargs`, which reads its arguments from stdin once (a retry would run without them). */
  xargs?: boolean;
}

/** Where a command runs, for finding its package.json. */
export interface DeployScope {
  /** Repository-relative directory, or undefined when unknowable (an expression, `--filter`). */
  dir: string | undefined;
  scripts?: PackageScriptsLookup;
  /** package.json files that exist but were ignored, with why (filled in as they are met). */
  ignored?: { file: string; problem: string }[];
}

/** The value of a word without quotes, when it is a literal (no expansions). */
export function literalWord(w: string): string | undefined {
  if (/^[\w@%+=:,./~^-]+$/.test(w)) return w;
  const m = /^'([^']*)'$/.exec(w) ?? /^"([^"$`\\]*)"$/.exec(w);
  return m ? m[1] : undefined;
}

/** `./node_modules/.bin/cdk`, `aws-cdk@2.x`, `cdk@latest` -> the tool name. */
function toolName(w: string | undefined): string | undefined {
  const lit = w === undefined ? undefined : literalWord(w);
  if (lit === undefined) return undefined;
  const base = lit.replace(/^(?:\.\/)?node_modules\/\.bin\//, '');
  return base.replace(/(?<=.)@[^/]*$/, '');
}

/** Index of the word after `sub` (options skipped, with a value after a `--long` option), or undefined. */
function subcommandEnd(words: string[], from: number, sub: string[]): number | undefined {
  let k = from;
  for (const want of sub) {
    while (k < words.length && words[k]!.startsWith('-')) {
      const opt = words[k]!;
      k++;
      if (opt.startsWith('--') && !opt.includes('=') && k < words.length && !words[k]!.startsWith('-') && words[k] !== want) k++;
    }
    if (words[k] !== want) return undefined;
    k++;
  }
  return k;
}

function joinDir(dir: string | undefined, sub: string | undefined): string | undefined {
  if (dir === undefined || sub === undefined) return undefined;
  const lit = literalWord(sub);
  return lit === undefined ? undefined : repoRelativeDir(posix.join(dir, lit));
}

/** Skip runner options from k; returns the next index and the directory the options select. */
function skipOptions(words: string[], k: number, scope: DeployScope): { k: number; dir: string | undefined } {
  let dir = scope.dir;
  while (k < words.length && words[k]!.startsWith('-') && words[k] !== '--') {
    const [opt, inline] = words[k]!.split(/=(.*)/s, 2) as [string, string | undefined];
    k++;
    if (!VALUE_OPTIONS.has(opt)) continue;
    const value = inline ?? words[k++];
    if (DIR_OPTIONS.has(opt)) dir = joinDir(dir, value);
    else if (opt === '--filter' || opt === '-F' || opt === '-w' || opt === '--workspace') dir = undefined;
  }
  return { k, dir };
}

/** A deployer command at `tool`. */
function deployerAt(words: string[], tool: number): { id: DeployerId; end: number } | undefined {
  const name = toolName(words[tool]);
  if (name === undefined) return undefined;
  for (const t of TOOLS) {
    if (!t.tool.test(name)) continue;
    for (const sub of t.sub) {
      const end = subcommandEnd(words, tool + 1, sub);
      if (end !== undefined) return { id: t.id, end };
    }
  }
  return undefined;
}

/**
 * `name args...` run as a package.json script in `dir`: the deploy its body
 * runs, if any. `fallbackToBin`: yarn/pnpm run a binary of that name when no
 * script has it.
 */
function viaScript(name: string | undefined, args: string[], scope: DeployScope, depth: number, fallbackToBin: boolean): Omit<DeployHit, 'insert' | 'end'> | undefined {
  const lit = name === undefined ? undefined : literalWord(name);
  if (lit === undefined) return undefined;
  // npm passes the words after the name on, without the first `--` (which only ends npm's own options).
  const dash = args.indexOf('--');
  const forwarded = dash < 0 ? args : [...args.slice(0, dash), ...args.slice(dash + 1)];
  const pkg = scope.dir !== undefined && scope.scripts ? scope.scripts(scope.dir) : undefined;
  if (pkg?.problem) scope.ignored?.push({ file: pkg.file, problem: pkg.problem });
  const body = pkg?.scripts && Object.hasOwn(pkg.scripts, lit) ? pkg.scripts[lit] : undefined;
  if (body === undefined) {
    // No package.json known (or, for yarn/pnpm, no such script): a script named after the tool runs the tool.
    if (!TOOL_NAMES.test(lit) || (pkg?.scripts !== undefined && !fallbackToBin)) return undefined;
    const words = [lit, ...forwarded];
    const d = deployerAt(words, 0);
    return d ? { deployer: d.id, via: [], args: words.slice(d.end) } : undefined;
  }
  if (depth >= MAX_SCRIPT_DEPTH) return undefined;
  // npm appends forwarded arguments to the script text; read it, never run it.
  const facts = analyseScript(forwarded.length ? `${body} ${forwarded.join(' ')}` : body);
  for (const { hit } of deployCommands(facts, { ...scope }, depth + 1)) {
    return { deployer: hit.deployer, via: [lit, ...hit.via], args: hit.args };
  }
  return undefined;
}

/** The deploy a command's words run, directly, through wrappers or package scripts. */
export function deployIn(words: string[], scope: DeployScope, depth = 0): DeployHit | undefined {
  let k = 0;
  while (words[k] === 'time' || words[k] === '!' || (words[k - 1] === 'time' && words[k] === '-p')) k++;
  const insert = k;
  const whole = (h: Omit<DeployHit, 'insert' | 'end'> | undefined): DeployHit | undefined => (h ? { ...h, insert, end: words.length } : undefined);
  if (words[k] !== undefined && PREFIX_COMMANDS.test(words[k]!)) {
    k++;
    while (k < words.length && (words[k]!.startsWith('-') || /^[A-Za-z_]\w*=/.test(words[k]!) || /^\d+[smhd]?$/.test(words[k]!))) k++;
  }
  // `wf_fix_retry npx cdk deploy`, `retry -n 3 sam deploy`, `bash .../retry.sh --attempts 3 -- cdk deploy`:
  // still a deploy, already retried.
  const script = (words[k] === 'bash' || words[k] === 'sh') && words[k + 1] !== undefined && /retry[^/]*$/i.test(words[k + 1]!) ? 1 : 0;
  if (words[k + script] !== undefined && /retry/i.test(words[k + script]!)) {
    let j = k + script + 1;
    const dashes = words.indexOf('--', j);
    if (dashes >= 0 && dashes - j <= 8 && words.slice(j, dashes).every((w) => /^-|^[\w.]+$/.test(w))) j = dashes + 1;
    while (j < words.length && (words[j]!.startsWith('-') || /^\d+$/.test(words[j]!))) j++;
    const inner = deployIn(words.slice(j), scope, depth);
    return inner && { ...inner, insert: inner.insert + j, end: inner.end + j, retried: true };
  }
  if (words[k] === 'xargs') {
    let j = k + 1;
    while (j < words.length && words[j]!.startsWith('-')) j += /^-[IdEnLPs]$/.test(words[j]!) ? 2 : 1;
    const inner = deployIn(words.slice(j), scope, depth);
    return inner && { ...inner, insert, end: inner.end + j, xargs: true };
  }
  let dir = scope.dir;
  // Launchers in front of the tool: `uv run npx cdk deploy` is two.
  for (let hops = 0; hops < 4 && k < words.length; hops++) {
    const w = toolName(words[k]);
    const local = { ...scope, dir };
    if (w === 'npx' || w === 'pnpx' || w === 'bunx') {
      ({ k, dir } = skipOptions(words, k + 1, local));
      continue;
    }
    if (w !== undefined && PY_RUNNERS.test(w)) {
      ({ k, dir } = skipOptions(words, k + 1, local));
      if (words[k] !== 'run') return undefined;
      ({ k, dir } = skipOptions(words, k + 1, { ...scope, dir }));
      continue;
    }
    if (w === 'npm' || w === 'yarn' || w === 'pnpm' || w === 'bun') {
      ({ k, dir } = skipOptions(words, k + 1, local));
      const sub = words[k];
      if (sub === 'exec' || sub === 'x' || sub === 'dlx') {
        ({ k, dir } = skipOptions(words, k + 1, { ...scope, dir }));
        if (words[k] === '--') k++;
        continue;
      }
      if (sub === 'run' || sub === 'run-script' || sub === 'rum' || sub === 'urn') {
        ({ k, dir } = skipOptions(words, k + 1, { ...scope, dir }));
        if (words[k] === '--') k++;
        return whole(viaScript(words[k], words.slice(k + 1), { ...scope, dir }, depth, w !== 'npm'));
      }
      if (w === 'npm' || w === 'bun') return undefined;
      if (sub === 'workspace') return undefined;
      // `yarn deploy`, `pnpm cdk deploy`: a script, else a binary of that name.
      return whole(viaScript(sub, words.slice(k + 1), { ...scope, dir }, depth, true));
    }
    break;
  }
  const d = deployerAt(words, k);
  return d ? { deployer: d.id, insert, end: d.end, via: [], args: words.slice(d.end) } : undefined;
}

/** Raw words of a command (quotes kept, `${{ }}` as written). */
export function commandWords(facts: ScriptFacts, c: SimpleCommand): string[] {
  return c.words.map((w) => facts.script.slice(w.start, w.end));
}

/** Every command of a script that deploys, following plain top-level `cd dir` for the package directory. */
export function deployCommands(facts: ScriptFacts, scope: DeployScope, depth = 0): { command: SimpleCommand; hit: DeployHit }[] {
  const out: { command: SimpleCommand; hit: DeployHit }[] = [];
  let dir = scope.dir;
  for (const c of facts.commands) {
    const words = commandWords(facts, c);
    if (words[0] === 'cd' && c.frames.length === 0) {
      dir = words.length === 2 ? joinDir(dir, words[1]) : undefined;
      continue;
    }
    const hit = deployIn(words, { ...scope, dir }, depth);
    if (hit) out.push({ command: c, hit });
  }
  return out;
}

function defaultsDir(node: unknown): string | undefined {
  return scalarString(getNode(getNode(getNode(node as never, 'defaults') as never, 'run') as never, 'working-directory'));
}

export function workingDirectory(step: Step): string | undefined {
  return scalarString(getNode(step.node, 'working-directory'));
}

/** Repository-relative directory a step's script starts in, or undefined when unknowable. */
export function stepDir(wf: Workflow, job: Job, step: Step): string | undefined {
  const wd = workingDirectory(step) ?? defaultsDir(job.node) ?? defaultsDir(wf.root);
  return wd === undefined ? '.' : repoRelativeDir(wd);
}

export function scopeFor(ctx: TransformContext, job: Job, step: Step): DeployScope {
  return { dir: stepDir(ctx.wf, job, step), scripts: ctx.packageScripts, ignored: [] };
}

export interface StepDeploy {
  step: Step;
  hits: DeployHit[];
}

/** The deploys a step's run: script makes. */
export function stepDeploys(ctx: TransformContext, job: Job, step: Step): DeployHit[] {
  const script = runScript(step);
  if (script === undefined) return [];
  return deployCommands(analyseScript(script), scopeFor(ctx, job, step)).map((d) => d.hit);
}

/** The steps of a job that deploy, with what they deploy with; `which` narrows the deployers. */
export function deploySteps(ctx: TransformContext, job: Job, which: (d: Deployer) => boolean = () => true): StepDeploy[] {
  return job.steps
    .map((step) => ({ step, hits: stepDeploys(ctx, job, step).filter((h) => which(DEPLOYERS[h.deployer])) }))
    .filter((s) => s.hits.length > 0);
}

/** The value of `--name X` / `--name=X` among a deployer's args, as written. */
export function optionValue(args: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    for (const n of names) {
      if (args[i] === n) return args[i + 1];
      if (args[i]!.startsWith(`${n}=`)) return args[i]!.slice(n.length + 1);
    }
  }
  return undefined;
}
