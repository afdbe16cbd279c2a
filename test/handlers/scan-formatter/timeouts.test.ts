/**
 * The scan formatter's time limits: SDK_CONNECTION_TIMEOUT_MS, SDK_REQUEST_TIMEOUT_MS and
 * FINDINGS_BUDGET_MS (read when the module loads), and the arithmetic that keeps an invocation
 * below the function timeout with the defaults (test/handlers/scan-formatter/faults/hang.test.ts proves it by running
 * hanging endpoints with small values).
 */
import {
  DEDUP_CALL_BUDGET_MS, DEFAULT_CONNECTION_TIMEOUT_MS, DEFAULT_FINDINGS_BUDGET_MS, DEFAULT_REQUEST_TIMEOUT_MS, findingsBudgetFor,
  loadTimeouts, PUBLISH_MAX_ATTEMPTS, publishReserveMs, SAFETY_MARGIN_MS, worstCaseMs,
} from '../../../handlers/scan-formatter/timeouts';

const DEFAULTS = loadTimeouts({});
const FUNCTION_TIMEOUT_MS = 30_000; // ScanNotifier's default timeout

test('the defaults are 2 s to connect, 5 s per request and 6 s for the findings lookup', () => {
  expect(DEFAULTS).toEqual({ connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000, findingsBudgetMs: 6_000 });
  expect([DEFAULT_CONNECTION_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_FINDINGS_BUDGET_MS]).toEqual([2_000, 5_000, 6_000]);
});

test('the variables set the values; empty means the default', () => {
  expect(loadTimeouts({ SDK_CONNECTION_TIMEOUT_MS: '100', SDK_REQUEST_TIMEOUT_MS: '250', FINDINGS_BUDGET_MS: '900' }))
    .toEqual({ connectionTimeoutMs: 100, requestTimeoutMs: 250, findingsBudgetMs: 900 });
  expect(loadTimeouts({ SDK_CONNECTION_TIMEOUT_MS: '', SDK_REQUEST_TIMEOUT_MS: '', FINDINGS_BUDGET_MS: '' })).toEqual(DEFAULTS);
});

test.each([
  ['SDK_CONNECTION_TIMEOUT_MS', '0'],
  ['SDK_CONNECTION_TIMEOUT_MS', '-1'],
  ['SDK_REQUEST_TIMEOUT_MS', '1.5'],
  ['SDK_REQUEST_TIMEOUT_MS', '5s'],
  ['FINDINGS_BUDGET_MS', 'abc'],
  ['FINDINGS_BUDGET_MS', '10000000000'],
])('%s=%s is a ConfigurationError naming the variable, the value and the fix', (variable, value) => {
  expect(() => loadTimeouts({ [variable]: value })).toThrow(new RegExp(
    `environment variable ${variable} is "${value.replace('.', '\\.')}"; expected a positive whole number of milliseconds, such as "\\d+" \\(the default\\)`,
  ));
  expect(() => loadTimeouts({ [variable]: value })).toThrow(expect.objectContaining({ name: 'ConfigurationError' }));
});

test('a bad value fails the module load (the function\'s init), before any event', () => {
  const env = process.env;
  process.env = { ...env, SDK_REQUEST_TIMEOUT_MS: 'soon' };
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      expect(() => require('../../../handlers/scan-formatter')).toThrow(/SDK_REQUEST_TIMEOUT_MS is "soon"/);
    });
  } finally {
    process.env = env;
  }
});

test('the module reads the variables when it loads', () => {
  const env = process.env;
  process.env = { ...env, SDK_CONNECTION_TIMEOUT_MS: '300', SDK_REQUEST_TIMEOUT_MS: '400', FINDINGS_BUDGET_MS: '500' };
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      expect(require('../../../handlers/scan-formatter').TIMEOUTS).toEqual({ connectionTimeoutMs: 300, requestTimeoutMs: 400, findingsBudgetMs: 500 });
    });
  } finally {
    process.env = env;
  }
});

describe('with the defaults, every invocation ends below the 30 s function timeout', () => {
  test.each([[true], [false]])('dedup %s: claim + findings lookup + publish attempts + backoff + release < 30 s', (dedup) => {
    const claim = dedup ? DEDUP_CALL_BUDGET_MS : 0;
    const findings = findingsBudgetFor(DEFAULTS, FUNCTION_TIMEOUT_MS - claim, dedup);
    const publish = PUBLISH_MAX_ATTEMPTS * (DEFAULT_CONNECTION_TIMEOUT_MS + DEFAULT_REQUEST_TIMEOUT_MS);
    const worst = worstCaseMs(DEFAULTS, FUNCTION_TIMEOUT_MS, dedup);
    expect(worst).toBe(claim + findings + publishReserveMs(DEFAULTS, dedup));
    expect(publishReserveMs(DEFAULTS, dedup)).toBeGreaterThanOrEqual(publish + (dedup ? DEDUP_CALL_BUDGET_MS : 0));
    expect(worst).toBeLessThanOrEqual(FUNCTION_TIMEOUT_MS - SAFETY_MARGIN_MS);
    expect(worst).toBe(29_000);
    expect(findings).toBe(dedup ? 4_000 : 6_000);
  });

  test('the findings budget shrinks with the time left, down to 1 s, and never beyond FINDINGS_BUDGET_MS', () => {
    expect(findingsBudgetFor(DEFAULTS, undefined, true)).toBe(6_000);
    expect(findingsBudgetFor(DEFAULTS, 60_000, true)).toBe(6_000);
    expect(findingsBudgetFor(DEFAULTS, 27_000, true)).toBe(2_000);
    expect(findingsBudgetFor(DEFAULTS, 10_000, true)).toBe(1_000);
    expect(findingsBudgetFor({ ...DEFAULTS, findingsBudgetMs: 400 }, 10_000, true)).toBe(400);
  });
});
