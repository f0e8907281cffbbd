import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes, formatDuration, isInteractive } from '../../scripts/progress';

/** A stream that keeps what is written, as a terminal or a pipe would receive it. */
function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('progress', () => {
  it('draws a live line with the rate and the time left on a terminal', () => {
    // Prepare
    let t = 0;
    const { stream, written } = fakeStream(true);
    const progress = createProgress({
      label: 'model.onnx',
      unit: 'bytes',
      total: 4 * 1024 * 1024,
      stream,
      enabled: true,
      now: () => t,
    });

    // Act
    t = 1000;
    progress.advance(1024 * 1024);
    t = 2000;
    progress.finish();

    // Assess
    expect(written[0]).toBe('\r\x1b[2Kmodel.onnx: 1.0 MiB of 4.0 MiB (25%), 1.0 MiB/s, 3s left');
    expect(written.at(-1)).toBe('\n');
  });

  it('counts items, and says nothing of the time left without a total', () => {
    let t = 0;
    const progress = createProgress({ label: 'documents', enabled: false, now: () => t });
    t = 2000;
    progress.update(5);
    expect(progress.line()).toBe('documents: 5, 2.5/s');
    progress.update(5, 10);
    expect(progress.line()).toBe('documents: 5 of 10 (50%), 2.5/s, 2s left');
  });

  it('stays quiet where nobody watches: not a terminal, or CI', () => {
    // Prepare
    const pipe = fakeStream(false);
    const terminal = fakeStream(true);

    // Act
    const progress = createProgress({ label: 'x', total: 2, stream: pipe.stream });
    progress.advance();
    progress.finish();

    // Assess
    expect(pipe.written).toEqual([]);
    expect(isInteractive(terminal.stream, { CI: 'true' })).toBe(false);
    expect(isInteractive(terminal.stream, {})).toBe(true);
    expect(isInteractive(pipe.stream, {})).toBe(false);
  });

  it('formats sizes and durations for people', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatDuration(75)).toBe('1m15s');
    expect(formatDuration(3700)).toBe('1h01m');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('?');
  });
});
