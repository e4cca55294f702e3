export { collectSecrets, maskDeep, maskText, MASK } from './mask.js';
export { isSecretName } from './names.js';
