/** The ordered registry of transforms: the engine applies them in this order. */
import type { Transform } from '../src/transform.js';
import { transform as oidcAuth } from './oidc-auth.js';
import { transform as roleChaining } from './role-chaining.js';
import { transform as kmsEncrypt } from './kms-encrypt-artifacts.js';
import { transform as kmsDecrypt } from './kms-decrypt-artifacts.js';
import { transform as stackDiscovery } from './stack-discovery.js';
import { transform as deployRetry } from './deploy-retry.js';
import { transform as prodRollback } from './prod-rollback.js';
import { transform as strictShell } from './strict-shell.js';
import { transform as expressionInjection } from './expression-injection.js';
import { bashGrammarReady } from './shell/syntax.js';
import { markDescribed } from '../src/workflow/reads.js';

// Entry points (CLI, worker threads, library users of TRANSFORMS) get a loaded bash grammar.
await bashGrammarReady;

export const TRANSFORMS: readonly Transform[] = [
  oidcAuth,
  roleChaining,
  kmsEncrypt,
  kmsDecrypt,
  stackDiscovery,
  deployRetry,
  prodRollback,
  strictShell,
  expressionInjection,
];

// What each of them reads is described in src/workflow/reads.ts (the engine runs them in batches).
markDescribed(TRANSFORMS);

export const TRANSFORM_IDS: readonly string[] = TRANSFORMS.map((t) => t.meta.id);

export function transformById(id: string): Transform | undefined {
  return TRANSFORMS.find((t) => t.meta.id === id);
}
