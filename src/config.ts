/**
 * Configuration: `wf-fix.config.json` / `.yaml` / `.yml`, found from each
 * repository root upward, or given with --config. Unknown keys and wrong
 * types are errors that name the file and the key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseYaml, toPlain } from './yaml.js';

export interface Config {
  roles: { default?: string; environments: Record<string, string> };
  kmsKeyAlias: string;
  /** The chained (target-account) role may use the KMS key: decrypt after chaining. */
  kmsDecryptWithChainedRole: boolean;
  retry: { attempts: number; delaySeconds: number; productionDelaySeconds: number; backoff: 'exponential' | 'fixed' };
  /** Case-insensitive regular expressions matched against environment names and job ids. */
  production: string[];
  /**
   * Keep today's inline `run:` scripts instead of using the generated
   * repository actions (issue 13); read by the transforms that generate them.
   */
  inlineScripts: boolean;
  /** Per-transform on/off by id. */
  transforms: Record<string, boolean>;
  /** Where the configuration came from (for messages). */
  source?: string;
}

export const CONFIG_FILE_NAMES = ['wf-fix.config.json', 'wf-fix.config.yaml', 'wf-fix.config.yml'];

export function defaultConfig(): Config {
  return {
    roles: { environments: {} },
    kmsKeyAlias: 'alias/github-actions-artifacts',
    kmsDecryptWithChainedRole: false,
    retry: { attempts: 3, delaySeconds: 30, productionDelaySeconds: 60, backoff: 'exponential' },
    production: ['prod'],
    inlineScripts: false,
    transforms: {},
  };
}

export class ConfigError extends Error {}

type Checker = (file: string, key: string, v: unknown) => void;

function fail(file: string, key: string, want: string, v: unknown): never {
  throw new ConfigError(`${file}: '${key}' must be ${want} (got ${JSON.stringify(v)})`);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkKeys(file: string, prefix: string, obj: Record<string, unknown>, allowed: string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      throw new ConfigError(`${file}: unknown key '${prefix}${k}' (known: ${allowed.map((a) => prefix + a).join(', ')})`);
    }
  }
}

const str: Checker = (f, k, v) => { if (typeof v !== 'string' || v === '') fail(f, k, 'a non-empty string', v); };
const posInt = (min: number): Checker => (f, k, v) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(f, k, `an integer >= ${min}`, v);
};

/** Validate a parsed config object and merge it over `base`. */
export function mergeConfig(base: Config, raw: unknown, file: string, knownTransforms: readonly string[]): Config {
  if (!isRecord(raw)) fail(file, '(root)', 'a mapping', raw);
  checkKeys(file, '', raw, ['$schema', 'roles', 'kmsKeyAlias', 'kmsDecryptWithChainedRole', 'retry', 'production', 'inlineScripts', 'transforms']);
  const out: Config = structuredClone(base);
  out.source = file;
  if (raw.roles !== undefined) {
    if (!isRecord(raw.roles)) fail(file, 'roles', 'a mapping', raw.roles);
    checkKeys(file, 'roles.', raw.roles, ['default', 'environments']);
    if (raw.roles.default !== undefined) { str(file, 'roles.default', raw.roles.default); out.roles.default = raw.roles.default as string; }
    if (raw.roles.environments !== undefined) {
      if (!isRecord(raw.roles.environments)) fail(file, 'roles.environments', 'a mapping of environment name to role ARN', raw.roles.environments);
      for (const [env, arn] of Object.entries(raw.roles.environments)) {
        str(file, `roles.environments.${env}`, arn);
        out.roles.environments[env] = arn as string;
      }
    }
  }
  if (raw.kmsKeyAlias !== undefined) { str(file, 'kmsKeyAlias', raw.kmsKeyAlias); out.kmsKeyAlias = raw.kmsKeyAlias as string; }
  if (raw.kmsDecryptWithChainedRole !== undefined) {
    if (typeof raw.kmsDecryptWithChainedRole !== 'boolean') fail(file, 'kmsDecryptWithChainedRole', 'true or false', raw.kmsDecryptWithChainedRole);
    out.kmsDecryptWithChainedRole = raw.kmsDecryptWithChainedRole;
  }
  if (raw.retry !== undefined) {
    if (!isRecord(raw.retry)) fail(file, 'retry', 'a mapping', raw.retry);
    checkKeys(file, 'retry.', raw.retry, ['attempts', 'delaySeconds', 'productionDelaySeconds', 'backoff']);
    if (raw.retry.attempts !== undefined) { posInt(1)(file, 'retry.attempts', raw.retry.attempts); out.retry.attempts = raw.retry.attempts as number; }
    if (raw.retry.delaySeconds !== undefined) { posInt(0)(file, 'retry.delaySeconds', raw.retry.delaySeconds); out.retry.delaySeconds = raw.retry.delaySeconds as number; }
    if (raw.retry.productionDelaySeconds !== undefined) {
      posInt(0)(file, 'retry.productionDelaySeconds', raw.retry.productionDelaySeconds);
      out.retry.productionDelaySeconds = raw.retry.productionDelaySeconds as number;
    }
    if (raw.retry.backoff !== undefined) {
      if (raw.retry.backoff !== 'exponential' && raw.retry.backoff !== 'fixed') fail(file, 'retry.backoff', '"exponential" or "fixed"', raw.retry.backoff);
      out.retry.backoff = raw.retry.backoff;
    }
  }
  if (raw.production !== undefined) {
    const list = typeof raw.production === 'string' ? [raw.production] : raw.production;
    if (!Array.isArray(list) || list.some((p) => typeof p !== 'string' || p === '')) {
      fail(file, 'production', 'a list of regular expressions (strings)', raw.production);
    }
    for (const p of list as string[]) {
      try { new RegExp(p, 'i'); } catch { fail(file, 'production', 'valid regular expressions', p); }
    }
    out.production = list as string[];
  }
  if (raw.inlineScripts !== undefined) {
    if (typeof raw.inlineScripts !== 'boolean') fail(file, 'inlineScripts', 'true or false', raw.inlineScripts);
    out.inlineScripts = raw.inlineScripts;
  }
  if (raw.transforms !== undefined) {
    if (!isRecord(raw.transforms)) fail(file, 'transforms', 'a mapping of transform id to true/false', raw.transforms);
    for (const [id, on] of Object.entries(raw.transforms)) {
      if (!knownTransforms.includes(id)) {
        throw new ConfigError(`${file}: unknown key 'transforms.${id}' (transform ids: ${knownTransforms.join(', ')})`);
      }
      if (typeof on !== 'boolean') fail(file, `transforms.${id}`, 'true or false', on);
      out.transforms[id] = on;
    }
  }
  return out;
}

/** Read and validate one config file. */
export function loadConfigFile(file: string, base: Config, knownTransforms: readonly string[]): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let raw: unknown;
  if (file.endsWith('.json')) {
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`${file}: invalid JSON (${(e as Error).message})`);
    }
  } else {
    const parsed = parseYaml(text);
    if (parsed.errors.length) {
      const e = parsed.errors[0]!;
      throw new ConfigError(`${file}:${e.line ?? 1}: invalid YAML (${e.message})`);
    }
    raw = parsed.docs[0] ? toPlain(parsed.docs[0]) : {};
  }
  return mergeConfig(base, raw, file, knownTransforms);
}

/** The nearest config file at `dir` or above it, if any. */
export function findConfigFile(dir: string): string | undefined {
  let cur = resolve(dir);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const p = join(cur, name);
      if (existsSync(p)) return p;
    }
    const up = dirname(cur);
    if (up === cur) return undefined;
    cur = up;
  }
}

/** Case-insensitive match of a job against the production patterns. */
export function isProductionJob(config: Config, jobId: string, environment?: string): boolean {
  return config.production.some((p) => {
    const re = new RegExp(p, 'i');
    return re.test(jobId) || (environment !== undefined && re.test(environment));
  });
}
