import { describe, expect, it } from 'vitest';
import { retryRefusedOpen } from '../../src/connection/ssh/ssh-connection.js';

const refused = (): Error => new Error('(SSH) Channel open failure: open failed');

describe('a channel the server refused is opened again (sshd counts a closed session a moment longer)', () => {
  it('opens again after refusals and returns what the open gave', async () => {
    let calls = 0;
    const r = await retryRefusedOpen(async () => {
      calls++;
      if (calls < 3) throw refused();
      return 'channel';
    }, [1, 1, 1]);
    expect(r).toBe('channel');
    expect(calls).toBe(3);
  });

  it('gives up after the last delay with the refusal', async () => {
    let calls = 0;
    const p = retryRefusedOpen(async () => {
      calls++;
      throw refused();
    }, [1, 1]);
    await expect(p).rejects.toThrow(/Channel open failure/);
    expect(calls).toBe(3);
  });

  it('never opens again after another error (the command may have run)', async () => {
    let calls = 0;
    const p = retryRefusedOpen(async () => {
      calls++;
      throw new Error('connection lost');
    }, [1, 1]);
    await expect(p).rejects.toThrow('connection lost');
    expect(calls).toBe(1);
  });
});
