export { decryptVaultText, encryptVaultText, VaultFormatError } from './crypto.js';
export { DEFAULT_VAULT_ID, formatEnvelope, isVaultText, parseEnvelope, VAULT_HEADER } from './format.js';
export { Keyring, loadVaultSecrets, readPasswordSource, splitVaultId, VaultError, type SecretOptions, type VaultSecret } from './secrets.js';
export { learnVaultValue, resetRunVault, runKeyring, setRunKeyring, vaultValues } from './run-keyring.js';
