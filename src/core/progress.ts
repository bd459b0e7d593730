/**
 * Progress reporting without I/O: library code calls `progress.tick()`; the CLI supplies a
 * cli-progress bar (or plain lines when stdout is not a TTY), tests and the service supply nothing.
 */
export interface Progress {
  start(label: string, total: number): void;
  tick(delta?: number): void;
  stop(): void;
}

export const silentProgress: Progress = {
  start() {},
  tick() {},
  stop() {},
};
