/**
 * Progress of long work (downloads, uploads, bulk ingestion) for the scripts: on a terminal one live line
 * with what is done, the rate and the time left; where nobody watches (output not a terminal, or `CI` set)
 * nothing at all, so CI logs and pipes keep only the scripts' own results.
 */

export type ProgressUnit = 'bytes' | 'items';

export interface ProgressOptions {
  /** What the line names first ("distilgpt2/model.onnx", "documents"). */
  readonly label: string;
  /** The total, when known: without it the line shows what is done and the rate, not the time left. */
  readonly total?: number;
  readonly unit?: ProgressUnit;
  /** Where the line goes; standard error by default, so that standard output stays the script's result. */
  readonly stream?: NodeJS.WriteStream;
  /** Whether to draw at all; by default only on a terminal and outside CI. */
  readonly enabled?: boolean;
  /** The least time between two redraws. */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export interface Progress {
  /** Adds `amount` to what is done. */
  advance(amount?: number): void;
  /** Sets what is done, and the total when it became known or changed. */
  update(done: number, total?: number): void;
  /** Draws the last line and ends it. */
  finish(): void;
  /** The line as it would be drawn now (tests and logs). */
  line(): string;
}

/** Whether a live line should be drawn on `stream`: a terminal, and not CI. */
export function isInteractive(
  stream: NodeJS.WriteStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return Boolean(stream.isTTY) && !ci;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${BYTE_UNITS[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const enabled = options.enabled ?? isInteractive(stream);
  const unit = options.unit ?? 'items';
  const now = options.now ?? (() => performance.now());
  const intervalMs = options.intervalMs ?? 100;
  const started = now();
  let done = 0;
  let drawnAt = Number.NEGATIVE_INFINITY;
  let finished = false;
  let total = options.total;

  const amount = (n: number) => (unit === 'bytes' ? formatBytes(n) : String(n));
  const line = () => {
    const seconds = (now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const rateText = unit === 'bytes' ? `${formatBytes(rate)}/s` : `${rate.toFixed(1)}/s`;
    if (total === undefined || total <= 0) return `${options.label}: ${amount(done)}, ${rateText}`;
    const percent = Math.min(100, (done / total) * 100).toFixed(0);
    const left = rate > 0 ? formatDuration((total - done) / rate) : '?';
    return `${options.label}: ${amount(done)} of ${amount(total)} (${percent}%), ${rateText}, ${left} left`;
  };
  const draw = (force: boolean) => {
    if (!enabled || finished) return;
    const t = now();
    if (!force && t - drawnAt < intervalMs) return;
    drawnAt = t;
    stream.write(`\r\x1b[2K${line()}`);
  };
  return {
    advance(n = 1) {
      done += n;
      draw(false);
    },
    update(value, newTotal) {
      done = value;
      if (newTotal !== undefined) total = newTotal;
      draw(false);
    },
    finish() {
      draw(true);
      if (enabled && !finished) stream.write('\n');
      finished = true;
    },
    line,
  };
}
