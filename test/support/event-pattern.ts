/**
 * A small EventBridge event pattern matcher for tests, for the subset of the pattern syntax
 * this project uses: exact values (strings, numbers, booleans, null), `prefix`, `suffix`,
 * `wildcard` (`*` matches any run of characters), `anything-but` (values or a prefix), `exists`,
 * `equals-ignore-case` and `numeric` (comparisons joined by AND), in nested objects, and `$or` (a
 * list of patterns, any of which matches, at any level).
 * A field that holds an array in the event matches when any of its elements matches.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 */
export function matchesEventPattern(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    if (key === '$or') {
      if (!Array.isArray(rule) || rule.length < 2) throw new Error(`invalid event pattern: $or needs a list of at least 2 patterns, got ${JSON.stringify(rule)}`);
      return rule.some((alternative) => matchesEventPattern(alternative as Record<string, unknown>, event));
    }
    return matchesField(rule, event?.[key], key in (event ?? {}));
  });
}

type Scalar = string | number | boolean | null;

function matchesField(rule: unknown, value: unknown, present: boolean): boolean {
  if (Array.isArray(rule)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    return rule.some((matcher) => matchesOne(matcher, values, present));
  }
  if (rule !== null && typeof rule === 'object') {
    if (!present || value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    return matchesEventPattern(rule as Record<string, unknown>, value as Record<string, unknown>);
  }
  throw new Error(`invalid event pattern: ${JSON.stringify(rule)} must be an array of matchers or an object`);
}

function matchesOne(matcher: unknown, values: unknown[], present: boolean): boolean {
  if (matcher === null || typeof matcher !== 'object') {
    return present && values.some((v) => v === matcher);
  }
  const entries = Object.entries(matcher as Record<string, unknown>);
  if (entries.length !== 1) throw new Error(`unsupported matcher ${JSON.stringify(matcher)}`);
  const [op, arg] = entries[0];
  switch (op) {
    case 'exists':
      return arg === present;
    case 'prefix':
      return present && values.some((v) => typeof v === 'string' && v.startsWith(String(arg)));
    case 'suffix':
      return present && values.some((v) => typeof v === 'string' && v.endsWith(String(arg)));
    case 'wildcard': {
      const source = String(arg).split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
      return present && values.some((v) => typeof v === 'string' && new RegExp(`^${source}$`, 's').test(v));
    }
    case 'equals-ignore-case':
      return present && values.some((v) => typeof v === 'string' && v.toLowerCase() === String(arg).toLowerCase());
    case 'numeric': {
      const terms = arg as Array<string | number>;
      const pairs: Array<[string, number]> = [];
      for (let i = 0; i < terms.length; i += 2) pairs.push([String(terms[i]), Number(terms[i + 1])]);
      return present && values.some((v) => typeof v === 'number' && pairs.every(([op, n]) => compareNumber(v, op, n)));
    }
    case 'anything-but': {
      if (!present) return false;
      if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) {
        const prefix = (arg as { prefix?: string }).prefix;
        if (prefix === undefined) throw new Error(`unsupported anything-but ${JSON.stringify(arg)}`);
        return values.some((v) => !(typeof v === 'string' && v.startsWith(prefix)));
      }
      const excluded: Scalar[] = Array.isArray(arg) ? arg : [arg as Scalar];
      return values.some((v) => !excluded.includes(v as Scalar));
    }
    default:
      throw new Error(`unsupported event pattern operator ${op}`);
  }
}

function compareNumber(value: number, op: string, bound: number): boolean {
  switch (op) {
    case '<': return value < bound;
    case '<=': return value <= bound;
    case '=': return value === bound;
    case '>': return value > bound;
    case '>=': return value >= bound;
    default: throw new Error(`unsupported numeric operator ${op}`);
  }
}
