export * from './severity';
export * from './notification-pipeline-options';
export * from './scan-notifier-props';
export * from './scan-notifier';
