/**
 * Batches (engine.ts): several transforms run on one model and their fixes are
 * verified together where none reads what an earlier one changes
 * (src/workflow/reads.ts). The outcome must be exactly the one of running and
 * verifying one transform at a time (`sequential: true`): output bytes,
 * findings in order with their lines, notes, fixed/rejected/skipped reasons,
 * repository files. Checked over the corpus, the example, generated
 * workflows, and with the config switches that change what the fixes write.
 * Also: the bash -n check skips a script that only gained a leading set line.
 */
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig, type Config } from '../src/config.js';
import { processText, withoutLeadingSet, type FileOutcome } from '../src/workflow/engine.js';
import { isDescribed } from '../src/workflow/reads.js';
import type { Transform } from '../src/transform.js';
import { TRANSFORMS } from '../transforms/index.js';
import { CORPUS, ROOT } from './helpers.js';
import { render, SEED, workflowArb } from './workflow-generator.js';

const FOLDERS = ['seed', 'real', 'real2', 'synth'];
const corpus = existsSync(CORPUS)
  ? FOLDERS.flatMap((d) => readdirSync(join(CORPUS, d)).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(CORPUS, d, f)))
  : [];
const example = join(ROOT, 'examples', 'cdk-pipeline', '.github', 'workflows', 'deploy.yml');

const configs: [string, () => Config][] = [
  ['default config', defaultConfig],
  ['roles.default, inlineScripts, chained-role decrypt', () => {
    const c = defaultConfig();
    c.roles.default = 'arn:aws:iam::123456789012:role/deploy';
    c.inlineScripts = true;
    c.kmsDecryptWithChainedRole = true;
    return c;
  }],
];

function both(raw: string, config: () => Config, bashCheck = true): [FileOutcome, FileOutcome] {
  const opts = { transforms: TRANSFORMS, file: 'batches.yml', bashCheck };
  return [processText(raw, { ...opts, config: config(), sequential: true }), processText(raw, { ...opts, config: config() })];
}

describe('batches give the outcome of one transform at a time', () => {
  test('the registry transforms are described; copies of them are not', () => {
    expect(TRANSFORMS.every(isDescribed)).toBe(true);
    const copy: Transform = { ...TRANSFORMS[0]!, fix: () => undefined };
    expect(isDescribed(copy)).toBe(false);
  });

  for (const [name, config] of configs) {
    (corpus.length ? test : test.skip)(`corpus (${corpus.length} files), ${name}`, () => {
      for (const file of [...corpus, example]) {
        const [sequential, batched] = both(readFileSync(file, 'utf8'), config);
        expect({ file, outcome: batched }).toEqual({ file, outcome: sequential });
      }
    });

    test(`generated workflows (seed ${SEED}), ${name}`, () => {
      for (const spec of fc.sample(workflowArb, { seed: SEED, numRuns: 150 })) {
        const raw = render(spec);
        const [sequential, batched] = both(raw, config, false);
        expect({ raw, outcome: batched }).toEqual({ raw, outcome: sequential });
      }
    });
  }
});

describe('bash -n of a script that only gained a leading strict set line', () => {
  test('withoutLeadingSet strips the first command only when it is a strict-shell set line after comments', () => {
    expect(withoutLeadingSet('set -euo pipefail\nnpx cdk deploy\n')).toBe('npx cdk deploy\n');
    expect(withoutLeadingSet('#!/bin/bash\n# deploy\n\nset -eo pipefail\nwf_fix_retry() {\n  :\n}\n')).toBe('#!/bin/bash\n# deploy\n\nwf_fix_retry() {\n  :\n}\n');
    expect(withoutLeadingSet('echo hi\nset -euo pipefail\n')).toBeUndefined();
    expect(withoutLeadingSet('set -o errexit -u -o pipefail\necho hi\n')).toBeUndefined();
    expect(withoutLeadingSet('  set -euo pipefail\necho hi\n')).toBeUndefined();
    expect(withoutLeadingSet('echo hi\n')).toBeUndefined();
  });

  test('bash -n gives both the same verdict, a comment ending in a backslash included', () => {
    const scripts = ['echo ok\n', 'if true; then\n', '# note \\\nif\n', '#!/bin/bash\ncat <<EOF\nx\n', 'for x in a b; do echo "$x"; done\n'];
    for (const sc of scripts) {
      for (const line of ['set -euo pipefail', 'set -eo pipefail']) {
        const lines = sc.split('\n');
        const at = sc.startsWith('#!') ? 1 : 0;
        const derived = [...lines.slice(0, at), line, ...lines.slice(at)].join('\n');
        expect(withoutLeadingSet(derived)).toBe(sc);
        const verdict = (s: string) => spawnSync('bash', ['--norc', '--noprofile', '-n'], { input: s, env: { PATH: process.env.PATH } }).status;
        expect({ sc, derived: verdict(derived) }).toEqual({ sc, derived: verdict(sc) });
      }
    }
  });
});
