import { describe, expect, it, vi } from 'vitest';
import { loadOnce } from '../../shared/load-once';

describe('loadOnce', () => {
  it('starts one load for every caller', async () => {
    const load = vi.fn(async () => ({ ready: true }));
    const get = loadOnce(load);

    const [first, second] = await Promise.all([get(), get()]);

    expect(load).toHaveBeenCalledTimes(1);
    expect(second).toBe(first);
  });

  it('forgets a failed load, so the next call loads again', async () => {
    const load = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(new Error('not yet'))
      .mockResolvedValueOnce('loaded');
    const get = loadOnce(load);

    await expect(get()).rejects.toThrow('not yet');
    await expect(get()).resolves.toBe('loaded');
    await expect(get()).resolves.toBe('loaded');
    expect(load).toHaveBeenCalledTimes(2);
  });
});
