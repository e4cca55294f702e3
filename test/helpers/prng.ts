/** the seeded PRNG of src/core/prng.ts: fuzz cases and synthetic data are reproducible */
export { prng } from '../../src/core/prng.js';
