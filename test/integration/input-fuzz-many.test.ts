/**
 * The long run of the input fuzz (test/helpers/input-fuzz.ts): 400 more
 * cases on another seed than the unit suite's short run, in-process.
 * A failure names its seed and case; replay with
 * HAPB_FUZZ_SEED=<seed> HAPB_FUZZ_CASES=<n> npx vitest run test/unit/input-fuzz.test.ts.
 */
import { describe, it } from 'vitest';
import { fuzzInputs } from '../helpers/input-fuzz.js';

const SEED = 20261207;
const CASES = 400;

describe('fuzz, long run: mutated inventory, playbook and role template', () => {
  it(`${CASES} cases (seed ${SEED}): no crash, no hang, no host touched on invalid input`, async () => {
    await fuzzInputs(SEED, CASES);
  }, 300_000);
});
