/**
 * The broken one-call KMS shapes as they appear in real workflows, read from
 * their `run:` text (never executed): `tar` commands, the one-call
 * `aws kms encrypt --plaintext ...` / `aws kms decrypt` steps, and the
 * `mv`/`cp`/`base64` plumbing that moves their output around. Shared by
 * kms-encrypt-artifacts (the producer chain: tar step -> encrypt step ->
 * plumbing -> upload) and kms-decrypt-artifacts (the consumer's dead
 * decode/extract steps after a download).
 */
import type { Job, Step } from '../../src/workflow/model.js';
import { withValue } from './aws.js';

// ---- words of simple commands -------------------------------------------

/** One simple command: its words (quotes removed) and where it redirects. */
export interface Command {
  words: string[];
  /** `> FILE` / `>> FILE` target. */
  out?: string;
  /** `< FILE` source. */
  in?: string;
  /** The command before it in a `|` pipeline. */
  piped?: Command;
}

const unquote = (t: string): string => t.replace(/^(['"])(.*)\1$/, '$2');

/** Words of a command line, keeping quoted strings (and `"$(...)"`) whole. */
function words(line: string): string[] {
  return [...line.matchAll(/"(?:[^"\\]|\\.)*"|'[^']*'|[^\s"']+(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s"']*)*/g)].map((m) => m[0]);
}

/** The simple commands of a script: continuations joined, comments dropped, split on `;`, `&&`, `||` and `|`. */
export function commandsOf(script: string): Command[] {
  const out: Command[] = [];
  for (const line of script.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    const tokens = words(line);
    const cut = tokens.findIndex((t) => t.startsWith('#'));
    let prev: Command | undefined;
    let cur: Command = { words: [] };
    const flush = (pipe: boolean) => {
      if (cur.words.length || cur.out || cur.in) {
        if (prev) cur.piped = prev;
        out.push(cur);
      }
      prev = pipe ? cur : undefined;
      cur = { words: [] };
    };
    const list = cut >= 0 ? tokens.slice(0, cut) : tokens;
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      if (t === ';' || t === '&&' || t === '||') flush(false);
      else if (t === '|') flush(true);
      else if (/^\d?>>?$/.test(t) || t === '<') {
        const target = unquote(list[++i] ?? '');
        if (t === '<') cur.in = target;
        else if (!t.startsWith('2')) cur.out = target;
      } else if (/^\d?>>?./.test(t) && !t.startsWith('2')) cur.out = unquote(t.replace(/^\d?>>?/, ''));
      else if (/^<./.test(t)) cur.in = unquote(t.slice(1));
      else if (/^2>/.test(t)) { if (t === '2>' || t === '2>>') i++; }
      else cur.words.push(unquote(t.replace(/;$/, '')));
      if (t.endsWith(';') && t !== ';') flush(false);
    }
    flush(false);
  }
  return out;
}

/** A path compared as a file name: `./a/b` and `a/b` are the same. */
export const normalFile = (p: string): string => p.trim().replace(/^(\.\/)+/, '').replace(/\/+$/, '');

const basename = (p: string): string => normalFile(p).split('/').pop()!;

// ---- tar ------------------------------------------------------------------

export interface TarCommand {
  mode: 'create' | 'extract' | 'other';
  /** `-f ARCHIVE` (`-` for stdin/stdout). */
  archive?: string;
  /** `-C DIR`. */
  dir?: string;
  operands: string[];
  /** Options that change what is archived (`--exclude`, `-T`, ...). */
  filtered: boolean;
}

/** Parse `tar` words: bundled (`czf A`, `-czf A`), separate (`-c -f A`) and long (`--file=A`) options. */
export function parseTar(args: string[]): TarCommand {
  const t: TarCommand = { mode: 'other', operands: [], filtered: false };
  const mode = (m: string) => {
    if (/c/.test(m)) t.mode = 'create';
    else if (/x/.test(m)) t.mode = 'extract';
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.split(/=(.*)/s);
      const val = () => v ?? args[++i];
      if (k === '--file') t.archive = val();
      else if (k === '--directory') t.dir = val();
      else if (k === '--create') t.mode = 'create';
      else if (k === '--extract' || k === '--get') t.mode = 'extract';
      else if (/^--(exclude|files-from|null|newer|after-date|exclude-from|exclude-vcs|wildcards)/.test(k!)) t.filtered = true;
      continue;
    }
    const bundle = a.startsWith('-') ? a.slice(1) : i === 0 && /^[a-zA-Z]+$/.test(a) ? a : undefined;
    if (bundle === undefined || bundle === '') {
      t.operands.push(a);
      continue;
    }
    mode(bundle);
    // Letters taking an argument consume the following words in order.
    for (const letter of bundle.replace(/[^fCTX]/g, '')) {
      const v = args[++i];
      if (letter === 'f') t.archive = v;
      else if (letter === 'C') t.dir = v;
      else t.filtered = true;
    }
  }
  return t;
}

/** The `tar` commands of a script. */
export function tarCommandsIn(script: string): TarCommand[] {
  return commandsOf(script).filter((c) => c.words[0] === 'tar').map((c) => parseTar(c.words.slice(1)));
}

/** What a `tar -c` archives as one path: `-C DIR .` -> DIR, `SRC` -> SRC, `-C DIR SRC` -> DIR/SRC. */
export function tarSource(t: TarCommand): string | undefined {
  if (t.mode !== 'create' || t.filtered || t.operands.length !== 1) return undefined;
  const op = t.operands[0]!;
  if (/[*?[\]]/.test(op) || op.startsWith('-')) return undefined;
  if (!t.dir) return op === '.' ? undefined : op;
  if (/^(\.\/?)$/.test(op)) return t.dir;
  if (op.startsWith('/')) return undefined;
  return normalFile(t.dir) === '.' || normalFile(t.dir) === '' ? op : `${normalFile(t.dir)}/${normalFile(op)}`;
}

/** What a broken encrypt step archives itself (`tar -czf A -C DIR .` inside it). */
export function brokenEncryptSource(script: string): string | undefined {
  for (const t of tarCommandsIn(script)) {
    const s = t.mode === 'create' ? tarSource(t) : undefined;
    if (s) return s;
  }
  return undefined;
}

/** Where a step extracts: `tar -xzf A -C DIR` -> DIR (`.` without -C). */
export function brokenDecryptTarget(script: string): string | undefined {
  const t = tarCommandsIn(script).find((c) => c.mode === 'extract');
  return t ? t.dir ?? '.' : undefined;
}

// ---- one-call aws kms encrypt --------------------------------------------

const KMS_ENCRYPT = /\baws\s+kms\s+encrypt\b/;

/**
 * The file a one-call `aws kms encrypt` reads: `--plaintext fileb://F`,
 * `file://F`, or base64 of it (`"$(base64 -w0 F)"`, `$(cat F | base64)`).
 */
export function encryptPlaintextFile(script: string): string | undefined {
  const joined = script.replace(/\\\r?\n/g, ' ');
  const direct = /--plaintext[\s=]+["']?fileb?:\/\/([^\s"')]+)/.exec(joined);
  if (direct) return direct[1];
  const b64 = /--plaintext[\s=]+"?\$\((?:base64(?:\s+-w\s*0)?\s+(?:<\s*)?|cat\s+)(["']?)([^\s"')|]+)\1[^)]*\)/.exec(joined);
  return b64?.[2];
}

/** A one-call `aws kms encrypt` of a file (KMS takes at most 4096 bytes of plaintext). */
export function isOneCallEncrypt(script: string): boolean {
  return KMS_ENCRYPT.test(script) && /--plaintext[\s=]/.test(script);
}

/** Where the one-call encrypt's pipeline writes the ciphertext (`> F`, also after `| base64 -d`). */
export function encryptOutputFile(script: string): string | undefined {
  const cmds = commandsOf(script);
  const at = cmds.findIndex((c) => c.words[0] === 'aws' && c.words[1] === 'kms' && c.words[2] === 'encrypt');
  if (at < 0) return undefined;
  for (let i = at; i < cmds.length && (i === at || cmds[i]!.piped); i++) if (cmds[i]!.out) return cmds[i]!.out;
  return undefined;
}

// ---- plumbing: steps that only move, decode or list files -------------------

/** Commands that only copy, move, decode, list or remove files. */
const PLUMBING = new Set(['set', 'echo', 'ls', 'mkdir', 'rm', 'mv', 'cp', 'base64', 'cat', 'du', 'wc', 'stat', 'file', 'test', '[', 'true', 'sha256sum', 'tar']);

/**
 * Every command of the script is plumbing (`aws kms encrypt|decrypt` allowed
 * too when `kms`), with no command substitution that could hide other work.
 */
export function isPlumbingOnly(script: string, kms = false): boolean {
  if (/\$\(|`|<\(|>\(/.test(script)) return false;
  return commandsOf(script).every((c) => {
    const w = c.words;
    if (!w.length) return true;
    if (w[0] === 'echo' && c.out) return false;
    if (kms && w[0] === 'aws' && w[1] === 'kms' && /^(encrypt|decrypt)$/.test(w[2] ?? '')) return true;
    return PLUMBING.has(w[0]!);
  });
}

/** Files a command copies or decodes from one of `names` into: `mv A B`, `cp A B`, `base64 -d A > B`, `cat A | base64 -d > B`. */
function derived(c: Command, names: Set<string>): string[] {
  const w = c.words;
  const has = (p: string | undefined) => p !== undefined && names.has(normalFile(p));
  if ((w[0] === 'mv' || w[0] === 'cp') && w.length >= 3) {
    const ops = w.slice(1).filter((a) => !a.startsWith('-'));
    const dest = ops.pop()!;
    return ops.filter(has).map((src) => (dest.endsWith('/') ? `${normalFile(dest)}/${basename(src)}` : normalFile(dest)));
  }
  if (w[0] === 'base64' && c.out) {
    const input = c.in ?? w.slice(1).find((a) => !a.startsWith('-'));
    const fromPipe = c.piped?.words[0] === 'cat' ? c.piped.words.slice(1).find((a) => !a.startsWith('-')) : undefined;
    if (has(input) || has(fromPipe)) return [normalFile(c.out)];
  }
  return [];
}

/** Add to `names` every file the script derives from them; true when the script mentions one of them. */
function follow(script: string, names: Set<string>): boolean {
  let touched = false;
  for (const c of commandsOf(script)) {
    const all = [...c.words, c.in, c.out, ...(c.piped?.words ?? [])];
    if (all.some((x) => x !== undefined && names.has(normalFile(x)))) touched = true;
    for (const d of derived(c, names)) names.add(d);
  }
  return touched;
}

// ---- the producer chain ---------------------------------------------------

/** The one-call encrypt split over steps, ready to become one envelope step. */
export interface EncryptChain {
  /** The one-call encrypt step (rewritten in place). */
  encrypt: Step;
  /** What the envelope step archives. */
  source?: string;
  /** Why no source could be told, when it could not. */
  unknown?: string;
  /** Earlier steps that only tar the source for the one-call step (removed). */
  deadTar: Step[];
  /** Steps between the encrypt step and the upload that only move or decode its output (removed). */
  plumbing: Step[];
  /** Why the chain cannot be rewritten (a step between does more with the ciphertext). */
  blocked?: string;
}

/** Steps that mention a file in their script or `with: path`, besides `except`. */
function mentions(job: Job, file: string, except: Step[]): boolean {
  const name = normalFile(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const word = new RegExp(`(^|[^\\w.-])${name}(?![\\w.-])`);
  return job.steps.some((s) => !except.includes(s) && (word.test(s.script ?? '') || word.test(withValue(s, 'path') ?? '')));
}

/**
 * The one-call encrypt chain that produces what `upload` ships: the last
 * one-call encrypt step before it whose output (followed through mv/cp/base64
 * steps) is the upload path; the archive source from its own `tar -c`, else
 * from the earlier step whose `tar -c` writes the file it encrypts.
 */
export function encryptChainFor(job: Job, upload: Step, uploadPath: string, isCandidate: (s: Step) => boolean): EncryptChain | undefined {
  const target = normalFile(uploadPath);
  const before = job.steps.filter((s) => s.index < upload.index);
  for (const encrypt of before.filter(isCandidate).reverse()) {
    const script = encrypt.script!;
    const names = new Set<string>();
    const out = encryptOutputFile(script);
    if (out) names.add(normalFile(out));
    follow(script, names);
    const plumbing: Step[] = [];
    let blocked: string | undefined;
    for (const s of before.filter((x) => x.index > encrypt.index && x.script)) {
      if (!follow(s.script!, names)) continue;
      if (isPlumbingOnly(s.script!)) plumbing.push(s);
      else blocked ??= `step '${s.name ?? s.id ?? `run (step ${s.index + 1})`}' does more with the one-call ciphertext than move or decode it; it would break once the upload carries the envelope`;
    }
    // Followed to the upload path, or (a move into a directory, a name built in the script) named by the chain's steps.
    const feeds = names.has(target) || [encrypt, ...plumbing].some((s) => s.script!.includes(basename(target)));
    if (!feeds) continue;
    return { encrypt, plumbing, ...(blocked ? { blocked } : {}), ...sourceOf(job, encrypt, plumbing) };
  }
  return undefined;
}

function sourceOf(job: Job, encrypt: Step, plumbing: Step[]): Pick<EncryptChain, 'source' | 'unknown' | 'deadTar'> {
  const own = brokenEncryptSource(encrypt.script!);
  if (own) return { source: own, deadTar: [] };
  const file = encryptPlaintextFile(encrypt.script!);
  if (!file) return { unknown: 'it names no --plaintext file', deadTar: [] };
  const archive = normalFile(file);
  if (commandsOf(encrypt.script!).some((c) => c.out && normalFile(c.out) === archive)) return { unknown: `it writes ${archive} itself`, deadTar: [] };
  if (tarCommandsIn(encrypt.script!).some((t) => t.mode === 'create')) {
    return { unknown: `it archives several paths, globs or filtered content into ${archive} itself`, deadTar: [] };
  }
  const tarStep = job.steps.filter((s) => s.index < encrypt.index && s.script
    && tarCommandsIn(s.script).some((t) => t.mode === 'create' && t.archive && normalFile(t.archive) === archive)).pop();
  if (!tarStep) return { unknown: `no earlier step in job '${job.id}' writes ${archive} with tar -c`, deadTar: [] };
  const tar = tarCommandsIn(tarStep.script!).find((t) => t.mode === 'create' && t.archive && normalFile(t.archive) === archive)!;
  const source = tarSource(tar);
  // Several paths, globs or filters: the tar step stays and its archive file is what gets encrypted.
  if (!source) return { source: file, deadTar: [] };
  const onlyTar = isPlumbingOnly(tarStep.script!) && tarCommandsIn(tarStep.script!).every((t) => t.mode === 'create');
  const dead = onlyTar && !tarStep.id && !mentions(job, archive, [tarStep, encrypt, ...plumbing]);
  return { source, deadTar: dead ? [tarStep] : [] };
}

// ---- the consumer side ----------------------------------------------------

/**
 * The extract step that reads the ciphertext a download put in `dir` as if it
 * were a plain tarball (`tar -xzf DIR/X.tar.gz.encrypted -C cdk.out`): a
 * plumbing-only step whose `tar -x` archive lies in the download directory and
 * is not the file the envelope step restores (`restored`, the producer's
 * source): never when that source is an archive file itself.
 */
/** A producer source that is itself an archive: extracting it after the decrypt is live, whatever its name. */
const ARCHIVE_FILE = /\.(tar|tgz|tar\.gz|tar\.bz2|tar\.xz|zip)$/i;

export function isDeadExtract(step: Step, dir: string, restored: string | undefined): boolean {
  if (!step.script || !isPlumbingOnly(step.script)) return false;
  const d = normalFile(dir) || '.';
  return tarCommandsIn(step.script).some((t) => {
    if (t.mode !== 'extract' || !t.archive || t.archive === '-') return false;
    const a = normalFile(t.archive);
    const inDir = d === '.' ? !a.includes('/') : a.startsWith(`${d}/`);
    return inDir && !(restored && ARCHIVE_FILE.test(restored)) && (restored === undefined || basename(a) !== basename(restored));
  });
}

/** Plumbing-only steps in `steps` that decode or move files of the download directory (`base64 -d DIR/X > Y`). */
export function deadDecodeSteps(steps: readonly Step[], dir: string): Step[] {
  const d = normalFile(dir) || '.';
  if (d === '.') return [];
  return steps.filter((s) => s.script && isPlumbingOnly(s.script) && commandsOf(s.script).some((c) =>
    (c.words[0] === 'base64' || c.words[0] === 'mv' || c.words[0] === 'cp' || c.piped?.words[0] === 'cat')
    && [...c.words.slice(1), c.in, ...(c.piped?.words.slice(1) ?? [])].some((x) => x !== undefined && normalFile(x).startsWith(`${d}/`))));
}
