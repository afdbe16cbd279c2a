/**
 * Shared pieces of the fault suite (test/handlers/scan-formatter/faults/) and the burst bench (bench/burst.bench.ts):
 * the built scan-formatter bundle loaded against the fake SNS and Inspector2 endpoints, events
 * that can be told apart on the wire, a seeded fault plan and a ledger of what SNS accepted.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Fault, FakeAws, FakeRequest } from '../../../support/fake-aws';

export const ROOT = path.join(__dirname, '..', '..', '..', '..');
/** The file the construct deploys. */
export const BUNDLE = path.join(ROOT, 'dist', 'handlers', 'scan-formatter', 'index.js');
export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:scan-notifications';
/** The function timeout ScanNotifier sets by default. */
export const FUNCTION_TIMEOUT_MS = 30_000;
/** Invocations of one event by Lambda's asynchronous invocation: the first plus 2 retries (ScanNotifier's setting). */
export const LAMBDA_ATTEMPTS = 3;

const SAMPLE = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'inspector2-scan.json'), 'utf8'));
const FINDINGS = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'inspector2-list-findings.json'), 'utf8'));

/** The handler of the bundle, as Lambda calls it. */
export type BuiltHandler = (event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => Promise<{ published: boolean; findingsStatus?: string; messageId?: string }>;

/**
 * Loads the built bundle with its SDK clients pointed at the fakes. The bundle creates its clients
 * when loaded, so the environment is set first. Each call is a new execution environment with
 * fresh clients: under jest a module registry of its own, elsewhere the bundle's cache entry cleared.
 */
export function loadBuiltHandler(fake: FakeAws, env: Record<string, string> = {}): BuiltHandler {
  if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "npm run build" (or node scripts/bundle-handlers.mjs) first.`);
  Object.assign(process.env, fake.env('us-east-1'), { TOPIC_ARN, LOG_LEVEL: 'error', AWS_LAMBDA_LOG_LEVEL: 'ERROR' }, env);
  let loaded: { handler: BuiltHandler } | undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = () => (loaded = require(BUNDLE));
  if (typeof jest !== 'undefined') {
    jest.isolateModules(load); // jest ignores require.cache: a registry of its own per call
  } else {
    delete require.cache[require.resolve(BUNDLE)];
    load();
  }
  return loaded!.handler;
}

/** A 64-hex-digit image digest derived from a number, so requests can be traced to their event. */
export function digestOf(n: number): string {
  return `sha256:${n.toString(16).padStart(64, '0')}`;
}

/** A valid scan event numbered `n`: its id `event-<n>` and digest `digestOf(n)` identify it on the wire. */
export function scanEvent(n: number): any {
  const event = JSON.parse(JSON.stringify(SAMPLE));
  event.id = `event-${n}`;
  event.detail['image-digest'] = digestOf(n);
  return event;
}

/** The ListFindings answer of the fixtures. */
export function listFindings(): unknown {
  return FINDINGS;
}

/** The event number a request belongs to: from the digest in the ListFindings filter or in the SNS message. */
export function eventNumberOf(request: FakeRequest): number | undefined {
  let digest: string | undefined;
  if (request.service === 'inspector2') digest = request.json?.filterCriteria?.ecrImageHash?.[0]?.value;
  else digest = /sha256:([0-9a-f]{64})/.exec(request.form?.Message ?? '')?.[0];
  return digest ? parseInt(digest.slice('sha256:'.length), 16) : undefined;
}

/** A small seeded pseudo-random generator (mulberry32), so fault plans reproduce. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fault rates per service: each request independently gets the first fault whose dice roll hits. */
export interface FaultPlan {
  readonly seed: number;
  /** Probability of each fault per request, per service. */
  readonly sns?: readonly (readonly [number, Fault])[];
  readonly inspector2?: readonly (readonly [number, Fault])[];
  /** Probability that SNS accepts a Publish but the answer is lost (the connection drops after it). */
  readonly snsLostAnswer?: number;
}

/**
 * Records what SNS accepted per event, and turns a {@link FaultPlan} into the fake's fault hook.
 * A Publish counts as accepted when the fake answers it with 200, or when the plan accepted it and
 * dropped the answer (the client sees a failure, SNS delivered: the source of duplicates).
 */
export class Ledger {
  /** Accepted publishes per event number. */
  readonly accepted = new Map<number, number>();
  /** Requests per service and outcome, for the report. */
  readonly tally: Record<string, number> = {};
  private readonly random: () => number;

  constructor(private readonly plan: FaultPlan) {
    this.random = seeded(plan.seed);
  }

  /** The fault hook for {@link FakeAws.configure}. */
  readonly fault = (request: FakeRequest): Fault | undefined => {
    const rates = (request.service === 'sns' ? this.plan.sns : this.plan.inspector2) ?? [];
    let fault: Fault | undefined;
    for (const [p, f] of rates) {
      if (this.random() < p) {
        fault = f;
        break;
      }
    }
    const kind = fault ? (fault.status ? String(fault.status) : fault.drop ? 'drop' : fault.hang ? 'hang' : 'slow') : 'ok';
    if (request.service === 'sns' && request.action === 'Publish') {
      const delivered = !fault || (!fault.status && !fault.drop && !fault.hang);
      if (delivered && this.plan.snsLostAnswer && this.random() < this.plan.snsLostAnswer) {
        this.accept(request);
        this.count('sns lost-answer');
        return { drop: true };
      }
      if (delivered) this.accept(request);
    }
    this.count(`${request.service} ${kind}`);
    return fault;
  };

  /** Events accepted more than once, and the extra copies. */
  duplicates(): { events: number; copies: number } {
    let events = 0;
    let copies = 0;
    for (const n of this.accepted.values()) {
      if (n > 1) {
        events++;
        copies += n - 1;
      }
    }
    return { events, copies };
  }

  private accept(request: FakeRequest): void {
    const n = eventNumberOf(request);
    if (n === undefined) throw new Error(`an SNS Publish the ledger cannot trace to an event: ${request.body.slice(0, 200)}`);
    this.accepted.set(n, (this.accepted.get(n) ?? 0) + 1);
  }

  private count(key: string): void {
    this.tally[key] = (this.tally[key] ?? 0) + 1;
  }
}

/** How one event fared through Lambda's asynchronous invocation (first attempt plus retries). */
export interface Delivery {
  readonly event: number;
  /** Invocations made. */
  readonly invocations: number;
  /** Whether an invocation returned (published); false: every attempt threw, the DLQ keeps the event. */
  readonly published: boolean;
  /** Duration of each invocation, ms. */
  readonly durationsMs: readonly number[];
  /** Errors of the failed invocations. */
  readonly errors: readonly Error[];
  readonly findingsStatus?: string;
}

/**
 * Invokes the handler as Lambda's asynchronous invocation does: again after an error, up to
 * {@link LAMBDA_ATTEMPTS} times (Lambda waits a minute or two between attempts; here none).
 */
export async function deliver(handler: BuiltHandler, n: number, options: { attempts?: number; remainingMs?: number } = {}): Promise<Delivery> {
  const durations: number[] = [];
  const errors: Error[] = [];
  const attempts = options.attempts ?? LAMBDA_ATTEMPTS;
  for (let i = 0; i < attempts; i++) {
    const start = performance.now();
    const deadline = Date.now() + (options.remainingMs ?? FUNCTION_TIMEOUT_MS);
    try {
      const result = await handler(scanEvent(n), { getRemainingTimeInMillis: () => deadline - Date.now() });
      durations.push(performance.now() - start);
      return { event: n, invocations: i + 1, published: result.published, durationsMs: durations, errors, findingsStatus: result.findingsStatus };
    } catch (err) {
      durations.push(performance.now() - start);
      errors.push(err as Error);
    }
  }
  return { event: n, invocations: attempts, published: false, durationsMs: durations, errors };
}

/** Runs `work` over `items` with at most `concurrency` at a time, like Lambda with reserved concurrency. */
export async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
