import { formatEpss, FindingView } from './finding-view';

/**
 * What decides how urgent findings are, as message attributes that subscription filter policies
 * match: `{"exploitable": ["YES"]}`, `{"fixable": ["YES", "PARTIAL"]}`, `{"epss": [{"numeric": [">=", 0.1]}]}`.
 */
export interface UrgencyAttributes {
  /** `YES`: a finding has a known exploit; `NO`: none has (every finding known); `UNKNOWN` otherwise. */
  readonly exploitable: string;
  /**
   * `YES`: a finding has a fix for all its packages; `PARTIAL`: none has, but one has a fix for
   * some; `NO`: no finding has a fix (every finding known); `UNKNOWN` otherwise.
   */
  readonly fixable: string;
  /** Highest EPSS score of the findings (0 to 1); undefined when none has one. */
  readonly epss?: number;
}

/**
 * The urgency of findings. `complete` says the findings are all there are (one finding of a
 * finding event, a listing that ended): only then can `exploitable` or `fixable` be `NO`, since a
 * finding left out may have an exploit or a fix. Pure.
 */
export function urgencyOf(findings: readonly FindingView[], complete: boolean): UrgencyAttributes {
  const exploit = findings.map((f) => f.exploitAvailable);
  const fix = findings.map((f) => f.fixAvailable);
  const scores = findings.map((f) => f.epssScore).filter((s): s is number => s !== undefined);
  let exploitable = 'UNKNOWN';
  if (exploit.includes('YES')) exploitable = 'YES';
  else if (complete && exploit.every((e) => e === 'NO')) exploitable = 'NO';
  let fixable = 'UNKNOWN';
  if (fix.includes('YES')) fixable = 'YES';
  else if (fix.includes('PARTIAL')) fixable = 'PARTIAL';
  else if (complete && fix.every((e) => e === 'NO')) fixable = 'NO';
  return {
    exploitable,
    fixable,
    ...(scores.length > 0 ? { epss: Number(formatEpss(Math.max(...scores))) } : {}),
  };
}
