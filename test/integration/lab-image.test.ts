/**
 * The machine image: what the cached image holds (identity removed, services
 * the converge owns disabled) and that a failed build leaves nothing behind.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import { defaultRecipe, ensureImage, type Image } from '../../src/lab/image.js';

const canRun = canUseNamespaces && hasCommand('debootstrap');

describe.skipIf(!canRun)('lab image', () => {
  let image: Image;
  beforeAll(async () => {
    image = await ensureImage();
  }, 600_000);

  it('is cached: a second call reuses it', async () => {
    const again = await ensureImage();
    expect(again).toEqual({ hash: image.hash, root: image.root, built: false });
  });

  it('has no identity of its own and leaves nginx and keepalived to the converge', () => {
    const r = (p: string): string => join(image.root, p);
    expect(statSync(r('etc/machine-id')).size).toBe(0);
    expect(readdirSync(r('etc/ssh')).filter((f) => f.startsWith('ssh_host_'))).toEqual([]);
    const wants = readdirSync(r('etc/systemd/system/multi-user.target.wants'));
    expect(wants).not.toContain('nginx.service');
    expect(wants).not.toContain('keepalived.service');
    expect(wants).toContain('ssh.service');
    for (const bin of ['usr/sbin/nginx', 'usr/sbin/keepalived', 'usr/sbin/sshd', 'usr/sbin/nft', 'usr/bin/curl', 'lib/systemd/systemd', 'etc/protocols']) {
      expect(existsSync(r(bin)), bin).toBe(true);
    }
    const marker = JSON.parse(readFileSync(r('.hapb-image.json'), 'utf8')) as { hash: string };
    expect(marker.hash).toBe(image.hash);
  });

  describe('a failed build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hapb-t-lab-img-'));
    beforeAll(() => {
      process.env['HAPB_LAB_VAR'] = dir;
    });
    afterAll(() => {
      delete process.env['HAPB_LAB_VAR'];
      rmSync(dir, { recursive: true, force: true });
    });

    it('leaves neither a half image nor its temp dir', async () => {
      // a suite no mirror has: debootstrap fails at its first download
      const recipe = { ...defaultRecipe, suite: 'hapb-no-such-suite' };
      await expect(ensureImage({ recipe })).rejects.toThrow(/debootstrap/);
      expect(readdirSync(join(dir, 'images'))).toEqual([]);
    }, 120_000);
  });
});
