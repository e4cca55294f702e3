/**
 * Setup file of the unit project (vitest.config.ts): unit test files share
 * their worker's modules (isolate: false, one module load per worker instead
 * of one per file), so the state a CLI run keeps for its whole process is
 * reset before each file: the vault secrets and the values they decrypted.
 */
import { resetRunVault } from '../../src/vault/index.js';

resetRunVault();
