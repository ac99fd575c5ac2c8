/**
 * Role uses from many workflows -> one entry per IAM role with its trust
 * policy (OIDC federation with `aud`/`sub` conditions, and/or trust in the
 * base role for a chained role) and the KMS identity policy its artifact
 * steps need. Pure and deterministic: sorted keys and values throughout.
 */
import { roleAccount } from '../../transforms/shared/aws.js';
import { ENCRYPTION_CONTEXT } from '../../transforms/shell/kms.js';
import type { RoleUse } from './roles.js';

export const OIDC_HOST = 'token.actions.githubusercontent.com';
export const ACCOUNT_PLACEHOLDER = 'ACCOUNT_ID';

export interface RepoIdentity {
  /** Absolute root. */
  root: string;
  /** Root as displayed (relative to cwd). */
  path: string;
  /** `OWNER/REPO`, or the `OWNER@ID/REPO@ID` immutable-ID form, as it appears in `sub`. */
  subjectRepo: string;
}

export interface FileRoles {
  repo: RepoIdentity;
  /** Workflow path as displayed. */
  file: string;
  uses: RoleUse[];
}

type Json = string | string[] | { [k: string]: Json };
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Record<string, Json>[];
}

export interface RoleEntry {
  name: string;
  /** role-to-assume as the workflows write it. */
  role: string;
  /** Literal account id, or ACCOUNT_PLACEHOLDER. */
  account: string;
  repositories: string[];
  usedBy: string[];
  trustPolicy: PolicyDocument;
  /** Identity policy for the KMS calls of the artifact steps, when they run as this role. */
  kmsPolicy: PolicyDocument | null;
  notes: string[];
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const one = (xs: Iterable<string>): string | string[] => {
  const l = sorted(xs);
  return l.length === 1 ? l[0]! : l;
};
const isLiteral = (s: string) => !s.includes('${{');

/** A file-name-safe role name: the ARN's role name when literal, else the expression's last identifier. */
export function roleName(role: string): string {
  const arn = /:role\/(?:[^]*\/)?([^/]+)$/.exec(role);
  let name = arn && isLiteral(arn[1]!) ? arn[1]! : undefined;
  if (!name) {
    const expr = /\$\{\{\s*([^}]*?)\s*\}\}/.exec(role)?.[1] ?? role;
    name = /([A-Za-z_][\w-]*)\W*$/.exec(expr)?.[1] ?? 'role';
  }
  return name.replace(/[^A-Za-z0-9+=,.@_-]/g, '-');
}

function partitionOf(role: string): string {
  return /^arn:(aws[\w-]*):/.exec(role)?.[1] ?? 'aws';
}

interface Acc {
  key: string;
  role: string;
  repos: Set<string>;
  usedBy: Set<string>;
  audiences: Set<string>;
  subjects: Map<string, boolean>;
  bases: Set<string | undefined>;
  tagging: boolean;
  kms: Map<string, Set<string>>;
}

/** Literal ARNs are one role wherever they are used; an expression is per repository. */
const roleKey = (role: string, repo: RepoIdentity) => (isLiteral(role) ? role : `${repo.root}\u0000${role}`);

export function kmsStatement(action: string, aliases: Set<string>, partition: string, account: string): Record<string, Json> {
  const [ctxKey, ctxValue] = ENCRYPTION_CONTEXT.split('=') as [string, string];
  const names = sorted([...aliases].filter((a) => a.startsWith('alias/')));
  const keyArns = sorted([...aliases].filter((a) => !a.startsWith('alias/')).map((k) => (k.startsWith('arn:') ? k : `arn:${partition}:kms:*:${account}:key/${k}`)));
  const condition: Record<string, Json> = { StringEquals: { [`kms:EncryptionContext:${ctxKey}`]: ctxValue } };
  if (names.length && !keyArns.length) condition['ForAnyValue:StringEquals'] = { 'kms:ResourceAliases': one(names) };
  return {
    Sid: action === 'kms:Decrypt' ? 'DecryptArtifacts' : 'EncryptArtifacts',
    Effect: 'Allow',
    Action: action,
    Resource: names.length ? `arn:${partition}:kms:*:${account}:key/*` : one(keyArns),
    Condition: condition,
  };
}

export function buildRoles(files: readonly FileRoles[]): RoleEntry[] {
  const accs = new Map<string, Acc>();
  const get = (role: string, repo: RepoIdentity): Acc => {
    const key = roleKey(role, repo);
    let a = accs.get(key);
    if (!a) {
      a = { key, role, repos: new Set(), usedBy: new Set(), audiences: new Set(), subjects: new Map(), bases: new Set(), tagging: false, kms: new Map() };
      accs.set(key, a);
    }
    return a;
  };
  const baseKeys = new Map<Acc, Set<string | undefined>>();
  for (const f of files) {
    for (const u of f.uses) {
      const a = get(u.role, f.repo);
      a.repos.add(f.repo.path);
      a.usedBy.add(`${f.file} job ${u.job} (${u.kind === 'kms' ? u.action : u.kind})`);
      if (u.kind === 'oidc') {
        a.audiences.add(u.audience);
        for (const s of u.subjects) a.subjects.set(`repo:${f.repo.subjectRepo}:${s.value}`, s.like);
        if (!u.subjects.length) a.subjects.set(`repo:${f.repo.subjectRepo}:*`, true);
      } else if (u.kind === 'chained') {
        const set = baseKeys.get(a) ?? new Set();
        set.add(u.base === undefined ? undefined : roleKey(u.base, f.repo));
        baseKeys.set(a, set);
        if (!u.skipTagging) a.tagging = true;
      } else {
        const set = a.kms.get(u.action) ?? new Set();
        set.add(u.alias);
        a.kms.set(u.action, set);
      }
    }
  }
  // Names: sorted by (name, key); clashes get -2, -3...
  const named = [...accs.values()].map((a) => ({ a, base: roleName(a.role) })).sort((x, y) => (x.base + '\u0000' + x.a.key < y.base + '\u0000' + y.a.key ? -1 : 1));
  const names = new Map<Acc, string>();
  const taken = new Set<string>();
  for (const { a, base } of named) {
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base}-${n}`;
    taken.add(name.toLowerCase());
    names.set(a, name);
  }
  const accountOf = (role: string) => {
    const acct = roleAccount(role);
    return acct && /^\d{12}$/.test(acct) ? acct : ACCOUNT_PLACEHOLDER;
  };
  const arnFor = (a: Acc) => (isLiteral(a.role) ? a.role : `arn:${partitionOf(a.role)}:iam::${accountOf(a.role)}:role/${names.get(a)}`);

  return named.map(({ a }) => {
    const name = names.get(a)!;
    const partition = partitionOf(a.role);
    const account = accountOf(a.role);
    const notes: string[] = [];
    if (!isLiteral(a.role) && !/:role\/(?:[^]*\/)?[^/]+$/.test(a.role.replace(/\$\{\{[^}]*\}\}/g, ''))) {
      notes.push(`role-to-assume ${a.role} is not a literal ARN: these policies are named ${name}; attach them to the role whose ARN it holds`);
    }
    if (account === ACCOUNT_PLACEHOLDER) notes.push(`the account id is not literal in ${a.role}: replace ${ACCOUNT_PLACEHOLDER} with the account that holds the role`);
    if (a.kms.size) notes.push('the KMS policy assumes the key is in the role\'s own account (in another account, its key policy must also allow the role)');
    const statements: Record<string, Json>[] = [];
    if (a.subjects.size) {
      const subs = sorted(a.subjects.keys());
      const like = [...a.subjects.values()].some(Boolean);
      const condition: Record<string, Json> = { StringEquals: { [`${OIDC_HOST}:aud`]: one(a.audiences), ...(like ? {} : { [`${OIDC_HOST}:sub`]: one(subs) }) } };
      // Conditions under different operators are ANDed: with any wildcard, every sub goes under StringLike.
      if (like) condition.StringLike = { [`${OIDC_HOST}:sub`]: one(subs) };
      statements.push({
        Sid: 'GitHubActionsOidc',
        Effect: 'Allow',
        Principal: { Federated: `arn:${partition}:iam::${account}:oidc-provider/${OIDC_HOST}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: condition,
      });
    }
    const bases = baseKeys.get(a);
    if (bases) {
      const principals = [...bases].map((k) => {
        const base = k === undefined ? undefined : accs.get(k);
        if (!base) {
          notes.push(`no OIDC base role precedes the chained step: replace ${ACCOUNT_PLACEHOLDER}/BASE_ROLE with the role whose session it chains from`);
          return `arn:${partition}:iam::${ACCOUNT_PLACEHOLDER}:role/BASE_ROLE`;
        }
        if (!isLiteral(base.role)) notes.push(`the base role ${names.get(base)} is ${base.role}: put its real ARN in Principal.AWS`);
        return arnFor(base);
      });
      statements.push({
        Sid: 'ChainFromBaseRole',
        Effect: 'Allow',
        Principal: { AWS: one(principals) },
        // configure-aws-credentials tags chained sessions unless role-skip-session-tagging is true.
        Action: a.tagging ? ['sts:AssumeRole', 'sts:TagSession'] : 'sts:AssumeRole',
      });
    }
    const kmsActions = sorted(a.kms.keys());
    return {
      name,
      role: a.role,
      account,
      repositories: sorted(a.repos),
      usedBy: sorted(a.usedBy),
      trustPolicy: { Version: '2012-10-17', Statement: statements },
      kmsPolicy: kmsActions.length
        ? { Version: '2012-10-17', Statement: kmsActions.map((act) => kmsStatement(act, a.kms.get(act)!, partition, account)) }
        : null,
      notes: sorted(notes),
    };
  });
}
