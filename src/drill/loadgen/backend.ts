/** Which web backend answered: the X-Backend header, else the page's text. */

const headerNames = ['x-backend', 'x-served-by', 'x-upstream'];

export function backendFrom(headers: Record<string, string | string[] | undefined>, body: string): string | undefined {
  for (const name of headerNames) {
    const v = headers[name];
    const s = Array.isArray(v) ? v[0] : v;
    if (s && s.trim()) return s.trim().slice(0, 64);
  }
  const named = /\b(web[A-Za-z0-9_-]*)\b/.exec(body);
  if (named?.[1]) return named[1];
  const first = body.trim().split('\n', 1)[0]?.trim();
  return first ? first.slice(0, 40) : undefined;
}
