import { Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { ProtectedKind, protectedKindPattern } from './tamper-calls';

/** EventBridge refuses event patterns over 4,096 characters; this leaves room for JSON spacing. */
export const MAX_PATTERN_CHARS = 4000;

/** Creates a rule of the alert pipeline with this id and pattern. */
export type RuleFactory = (id: string, description: string, eventPattern: events.EventPattern) => events.Rule;

interface Chunk {
  chars: number;
  readonly refs: string[];
  rule?: events.Rule;
}

/** The pattern size of a resource, with every unresolved token counted at its longest. */
function refChars(kind: ProtectedKind, ref: string): number {
  const worst = Token.isUnresolved(ref) ? 'x'.repeat(kind.maxRefChars) : ref;
  return JSON.stringify(kind.matchers(worst)).length;
}

/**
 * The rules that watch calls on one kind of protected resource. Resources are added to the last
 * rule while its pattern stays under `MAX_PATTERN_CHARS`, then a new rule is started. The first
 * rule is created with the first resource (or up front, with `matchAllFirst`, matching every
 * resource until one is added).
 */
export class ProtectedRules {
  private readonly chunks: Chunk[] = [];
  private readonly seen = new Set<string>();
  private readonly baseChars: number;

  constructor(private readonly kind: ProtectedKind, private readonly create: RuleFactory, matchAllFirst = false) {
    this.baseChars = JSON.stringify(protectedKindPattern(kind, ['x'])).length;
    if (matchAllFirst) {
      const chunk: Chunk = { chars: this.baseChars, refs: [] };
      this.chunks.push(chunk);
      chunk.rule = this.create(this.ruleId(1), this.description(), protectedKindPattern(kind, []));
    }
  }

  /** Every rule created so far. */
  public get rules(): events.Rule[] {
    return this.chunks.map((c) => c.rule).filter((r): r is events.Rule => r !== undefined);
  }

  /** Watches calls on one more resource, named by `ref` (a name or an ARN, as the kind expects). */
  public add(ref: string): void {
    if (this.seen.has(ref)) return;
    this.seen.add(ref);
    const cost = refChars(this.kind, ref);
    const last = this.chunks[this.chunks.length - 1];
    if (last && last.chars + cost <= MAX_PATTERN_CHARS) {
      last.chars += cost;
      last.refs.push(ref);
      // A rule being created (whose creation protects the rule itself) takes the refs when done.
      last.rule?.addEventPattern(protectedKindPattern(this.kind, [ref]));
      return;
    }
    const chunk: Chunk = { chars: this.baseChars + cost, refs: [ref] };
    this.chunks.push(chunk);
    const rule = this.create(this.ruleId(this.chunks.length), this.description(), protectedKindPattern(this.kind, [ref]));
    chunk.rule = rule;
    for (const added of chunk.refs.slice(1)) rule.addEventPattern(protectedKindPattern(this.kind, [added]));
  }

  private ruleId(n: number): string {
    return `Protect${this.kind.id}Rule${n === 1 ? '' : n}`;
  }

  private description(): string {
    return `Tamper alerts on ${this.kind.what}`;
  }
}
