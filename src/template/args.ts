/** Nunjucks passes keyword arguments as a trailing object marked `__keywords: true`. */

export interface Args {
  pos: unknown[];
  kw: Record<string, unknown>;
}

export function splitArgs(args: unknown[]): Args {
  const last = args[args.length - 1];
  if (typeof last === 'object' && last !== null && (last as { __keywords?: unknown }).__keywords === true) {
    const kw: Record<string, unknown> = { ...(last as Record<string, unknown>) };
    delete kw.__keywords;
    return { pos: args.slice(0, -1), kw };
  }
  return { pos: args, kw: {} };
}

/** Argument `index` given by position or by keyword `name`, else `dflt`. */
export function arg(a: Args, index: number, name: string, dflt?: unknown): unknown {
  if (Object.hasOwn(a.kw, name)) return a.kw[name];
  return index >= 0 && index < a.pos.length ? a.pos[index] : dflt;
}
