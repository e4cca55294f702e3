/** Which variable names hold secrets (passwords, tokens, private keys). */

const SECRET_PARTS = /pass|secret|token|credential|private_key|privkey/i;
/** words that contain "pass" but are not passwords */
const NOT_PASSWORD = /passive|passthrough|passthru|bypass|compass|passenger/i;
/** nginx's *_pass directives name an upstream, not a password */
const NGINX_PASS = /(^|_)(proxy|fastcgi|uwsgi|scgi|grpc|memcached)_pass(_|$)/i;
/** names of paths or public keys: their values are not secret */
const NOT_SECRET = /(_file|_path|_dir|_files|_paths)$|public|(^|_)pub(_|key|$)/i;

/**
 * True for `*pass*`, `*password*`, `*secret*`, `*token*`, `auth_pass`,
 * `*_key` (`api_key`, `ssh_private_key`), `ansible_become_password`,
 * `ansible_ssh_pass`; false for `*_key_file`, `*_path`, public keys.
 */
export function isSecretName(name: string): boolean {
  if (NOT_SECRET.test(name) || NGINX_PASS.test(name)) return false;
  if (/._key$/i.test(name)) return true;
  if (!SECRET_PARTS.test(name)) return false;
  return !NOT_PASSWORD.test(name) || /password|passwd|pass$|_pass_/i.test(name);
}
