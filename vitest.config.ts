import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000, // the first lab test may build the machine image (debootstrap, ~80 s idle)
    // Integration tests boot real machines and namespaces: keep files serial.
    fileParallelism: false,
    pool: 'forks',
  },
});
