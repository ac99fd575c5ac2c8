/**
 * jscodeshift's transform contract at the edge of a YAML transform:
 * `(fileInfo, api, options) => Promise<string | undefined>` (jscodeshift awaits
 * it; the bash grammar loads asynchronously before the first file), so
 * `npx jscodeshift -t dist/transforms/<id>.js --extensions=yml,yaml <dir>` works.
 * Options: --roleArn=ARN, --config=FILE (else the nearest wf-fix.config.*).
 */
import { dirname } from 'node:path';
import { defaultConfig, findConfigFile, loadConfigFile, type Config } from '../../src/config.js';
import type { Transform } from '../../src/transform.js';
import { processText } from '../../src/workflow/engine.js';
import { bashGrammarReady } from '../shell/syntax.js';

export interface FileInfo {
  path: string;
  source: string;
}

export type JscodeshiftTransform = ((file: FileInfo, api: unknown, options?: Record<string, unknown>) => Promise<string | undefined>) & {
  parser?: string;
};

export function jscodeshiftAdapter(transform: Transform): JscodeshiftTransform {
  const fn: JscodeshiftTransform = async (file, _api, options = {}) => {
    await bashGrammarReady;
    let config: Config = defaultConfig();
    const configFile = typeof options.config === 'string' ? options.config : findConfigFile(dirname(file.path));
    if (configFile) config = loadConfigFile(configFile, config, [transform.meta.id]);
    if (typeof options.roleArn === 'string') config.roles.default = options.roleArn;
    const out = processText(file.source, { config, transforms: [transform], file: file.path });
    if (out.status === 'error') throw new Error(`${file.path}: ${out.reason}`);
    return out.status === 'changed' ? out.output : undefined;
  };
  return fn;
}
