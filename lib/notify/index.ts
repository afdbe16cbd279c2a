export * from './severity';
export * from './scan-notifier-props';
export * from './scan-notifier';
export * from './new-findings-notifier';
