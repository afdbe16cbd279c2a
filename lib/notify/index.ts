export * from './severity';
export * from './notification-pipeline-options';
export * from './scan-notifier-props';
export * from './scan-notifier';
export * from './new-findings-notifier';
export * from './scan-coverage-monitor-props';
export * from './scan-coverage-monitor';
