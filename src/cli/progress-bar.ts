/** The CLI's Progress: a cli-progress bar on a TTY, plain periodic lines otherwise (CI logs). */
import cliProgress from "cli-progress";
import type { Progress } from "../core/progress.ts";

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    let bar: cliProgress.SingleBar | undefined;
    return {
      start(label, total) {
        bar?.stop();
        bar = new cliProgress.SingleBar(
          { format: `${label.padEnd(28)} [{bar}] {percentage}% {value}/{total} eta {eta_formatted}`, stream, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0);
      },
      tick: (delta = 1) => bar?.increment(delta),
      stop() {
        bar?.stop();
        bar = undefined;
      },
    };
  }
  let label = "";
  let total = 0;
  let done = 0;
  let lastPercent = -1;
  return {
    start(nextLabel, nextTotal) {
      label = nextLabel;
      total = nextTotal;
      done = 0;
      lastPercent = -1;
    },
    tick(delta = 1) {
      done += delta;
      const percent = total > 0 ? Math.floor((100 * done) / total / 25) * 25 : 100;
      if (percent !== lastPercent && percent > 0) {
        lastPercent = percent;
        stream.write(`${label}: ${percent}% (${done}/${total})\n`);
      }
    },
    stop() {},
  };
}
