/** A progress bar on stderr, only when stderr is a terminal and not in CI. */
import cliProgress from 'cli-progress';
import type { Progress } from './pool.js';

export interface ProgressBar {
  update: Progress;
  stop(): void;
}

export function progressEnabled(stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.CI;
}

/** Returns undefined when progress should stay silent (piped, CI); the bar starts at the first update. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): ProgressBar | undefined {
  if (!progressEnabled(stream)) return undefined;
  let bar: cliProgress.SingleBar | undefined;
  return {
    update: (done, total) => {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { stream, format: 'wf-fix [{bar}] {value}/{total} files | {duration_formatted}', hideCursor: true, clearOnComplete: true, fps: 10 },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0);
      }
      bar.update(done);
    },
    stop: () => bar?.stop(),
  };
}
