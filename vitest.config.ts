import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Two projects. `vitest run` runs both, unit first (the README's test command,
// scripts/test.sh); `vitest run --project unit` (npm run test:unit) only the fast one.
// - unit: pure logic and local processes (sh, ssh-keygen, the local connection in a
//   temporary root); no root, no namespaces, no machines, no built CLI. Files run in
//   parallel, in worker threads, one per core (vitest's default, cores - 1, is one
//   thread on a 2-core box). The threads are not isolated: a thread loads the modules
//   once for all the files it runs (one load per file was half the suite's CPU time);
//   test/helpers/fresh-run.ts resets the state a CLI run keeps for its process (vault
//   secrets) before each file. A thread more than the cores costs more than it
//   overlaps (its own module load; the files rarely wait). As many threads at least
//   as at most: with fewer, a run of shared threads (vitest 3.2.7) ends with an
//   unhandled "Terminating worker thread" and fails. bench/unit-suite.ts times it.
// - integration: real nginx, keepalived, nftables, sshd, namespaces and machines, and
//   the built CLI (bin/hapb → dist/). One file at a time, each in its own process:
//   they boot machines and share the box. The files that only drill a lab or read its
//   status share one lab (test/helpers/shared-lab.ts), named by the global setup.
//   Vitest sizes a pool globally, not per project, hence the pool per project and
//   the pool sizes here.
export default defineConfig({
  test: {
    poolOptions: {
      threads: { minThreads: availableParallelism(), maxThreads: availableParallelism(), isolate: false },
      forks: { minForks: 1, maxForks: 1 },
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/engine/**/*.test.ts'],
          pool: 'threads',
          setupFiles: ['test/helpers/fresh-run.ts'],
          sequence: { groupOrder: 0 },
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/cli/**/*.test.ts'],
          pool: 'forks',
          globalSetup: ['test/helpers/shared-lab-setup.ts'],
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 600_000, // the first lab test may build the machine image (debootstrap, ~80 s idle)
        },
      },
    ],
  },
});
