import type { ScanFormatterConfig } from './config';
import { mayHaveFindingAtOrAbove, SeverityCounts } from './counts';
import type { ScanEvent } from './event';

/**
 * Why an event is not notified about (REPOSITORY_NAMES, MIN_SEVERITY), or undefined to notify.
 * Pure; decided on the event alone, before any AWS call.
 */
export function skipReason(scan: ScanEvent, counts: SeverityCounts, config: ScanFormatterConfig): string | undefined {
  if (config.repositoryNames && !config.repositoryNames.has(scan.repositoryName)) {
    return `repository ${scan.repositoryName} is not one of the ${config.repositoryNames.size} repositories in REPOSITORY_NAMES`;
  }
  if (config.minSeverity && !mayHaveFindingAtOrAbove(counts, config.minSeverity)) {
    return `no finding at or above MIN_SEVERITY ${config.minSeverity} (CRITICAL ${counts.critical}, HIGH ${counts.high}, MEDIUM ${counts.medium}, TOTAL ${counts.total})`;
  }
  return undefined;
}
