import { ConfigurationError } from './config';

/** Connection timeout of each attempt of an AWS call, when SDK_CONNECTION_TIMEOUT_MS is not set. */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 2_000;
/** Request timeout of each attempt of an AWS call, when SDK_REQUEST_TIMEOUT_MS is not set. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** Longest time the findings lookup may take (all pages and retries), when FINDINGS_BUDGET_MS is not set. */
export const DEFAULT_FINDINGS_BUDGET_MS = 6_000;
/** Attempts of an SNS Publish (the first plus the SDK's retries). */
export const PUBLISH_MAX_ATTEMPTS = 3;
/**
 * Attempts of an Inspector2 ListFindings page; the findings budget caps them all together. Five, not
 * three: in the burst bench (20% of requests throttled) mails without findings fell from 0.76% to 0.19%.
 */
export const INSPECTOR_MAX_ATTEMPTS = 5;
/** Time allowed for all the SDK's backoff between the attempts of one Publish. */
export const BACKOFF_ALLOWANCE_MS = 2_000;
/** Longest time one dedup table call (claim or release) may take; past it the call is aborted. */
export const DEDUP_CALL_BUDGET_MS = 1_000;
/** The least time the findings lookup gets, however little the invocation has left. */
export const MIN_FINDINGS_BUDGET_MS = 1_000;

/** How long the handler's AWS calls may take. */
export interface Timeouts {
  /** SDK_CONNECTION_TIMEOUT_MS: time to open a connection, per attempt. */
  readonly connectionTimeoutMs: number;
  /** SDK_REQUEST_TIMEOUT_MS: time without an answer on an open connection, per attempt. */
  readonly requestTimeoutMs: number;
  /** FINDINGS_BUDGET_MS: time for the whole findings lookup. */
  readonly findingsBudgetMs: number;
}

function positiveInteger(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const value = env[variable];
  if (value === undefined || value === '') return fallback;
  if (!/^[1-9]\d{0,8}$/.test(value)) {
    throw new ConfigurationError(variable, value, `expected a positive whole number of milliseconds, such as "${fallback}" (the default), or no variable for the default`);
  }
  return Number(value);
}

/**
 * Reads the optional SDK_CONNECTION_TIMEOUT_MS, SDK_REQUEST_TIMEOUT_MS and FINDINGS_BUDGET_MS;
 * throws a {@link ConfigurationError} naming the variable for a value that is not a positive integer.
 */
export function loadTimeouts(env: NodeJS.ProcessEnv = process.env): Timeouts {
  return {
    connectionTimeoutMs: positiveInteger(env, 'SDK_CONNECTION_TIMEOUT_MS', DEFAULT_CONNECTION_TIMEOUT_MS),
    requestTimeoutMs: positiveInteger(env, 'SDK_REQUEST_TIMEOUT_MS', DEFAULT_REQUEST_TIMEOUT_MS),
    findingsBudgetMs: positiveInteger(env, 'FINDINGS_BUDGET_MS', DEFAULT_FINDINGS_BUDGET_MS),
  };
}

/** Time left unplanned, so the worst case ends before the function timeout rather than on it. */
export const SAFETY_MARGIN_MS = 1_000;

/**
 * Time kept for publishing, and for releasing the dedup key when publishing fails (`dedup`):
 * every attempt of a Publish at its longest (connection plus request timeout), the backoff
 * between them, and one dedup call. The findings lookup gets only what the invocation has left
 * beyond it and {@link SAFETY_MARGIN_MS}.
 */
export function publishReserveMs(t: Timeouts, dedup: boolean): number {
  return PUBLISH_MAX_ATTEMPTS * (t.connectionTimeoutMs + t.requestTimeoutMs) + BACKOFF_ALLOWANCE_MS + (dedup ? DEDUP_CALL_BUDGET_MS : 0);
}

/**
 * The findings lookup's budget: FINDINGS_BUDGET_MS, cut to what the invocation has left beyond
 * the publish reserve and the safety margin (`remainingMs` undefined: no limit), and at least
 * {@link MIN_FINDINGS_BUDGET_MS} (or FINDINGS_BUDGET_MS when that is smaller).
 */
export function findingsBudgetFor(t: Timeouts, remainingMs: number | undefined, dedup: boolean): number {
  const left = remainingMs === undefined ? t.findingsBudgetMs : remainingMs - publishReserveMs(t, dedup) - SAFETY_MARGIN_MS;
  return Math.max(Math.min(MIN_FINDINGS_BUDGET_MS, t.findingsBudgetMs), Math.min(t.findingsBudgetMs, left));
}

/**
 * The longest one invocation can take when every endpoint hangs: the dedup claim (`dedup`), the
 * findings lookup with the budget it gets from an invocation of `functionTimeoutMs`, then the
 * publish reserve (Publish attempts, backoff, dedup release). With the defaults and a 30 s
 * function timeout: 1 + 4 + 21 + 2 + 1 = 29 s with dedup, 6 + 21 + 2 = 29 s without.
 */
export function worstCaseMs(t: Timeouts, functionTimeoutMs: number, dedup: boolean): number {
  const claim = dedup ? DEDUP_CALL_BUDGET_MS : 0;
  return claim + findingsBudgetFor(t, functionTimeoutMs - claim, dedup) + publishReserveMs(t, dedup);
}
