export { createTemplater, type Templater, type TemplaterOptions } from './templater.js';
export { TemplateError } from './errors.js';
export { isTruthy, pyStr } from './python.js';
export { containsTemplate, markUnsafe } from './lazy-vars.js';
