/**
 * Issue 10, fuzz: seeded random mutations of the seed inventory,
 * the site playbook and a role template never crash hapb (only clean input
 * errors, exit 4, or a run), never hang, and never touch a host when the
 * input is invalid: the connection factory of the run is never called for an
 * input that the checks refuse. In-process (the same calls `hapb run` makes),
 * so a case takes milliseconds; test/integration/input-fuzz-cli.test.ts sends
 * a handful through the built CLI.
 * A failure names its seed and case; replay with HAPB_FUZZ_SEED=<seed>.
 */
import { describe, it } from 'vitest';
import { fuzzInputs } from '../helpers/input-fuzz.js';

const SEED = Number(process.env.HAPB_FUZZ_SEED ?? 20261206);
const CASES = Number(process.env.HAPB_FUZZ_CASES ?? 20);

describe('fuzz: mutated inventory, playbook and role template', () => {
  it(`${CASES} cases (seed ${SEED}): no crash, no hang, no host touched on invalid input`, async () => {
    await fuzzInputs(SEED, CASES);
  }, 120_000);
});
