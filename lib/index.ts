export * from './repository-guard';
export * from './guarded-repository';
export * from './enhanced-scanning';
export * from './severity';
export * from './scan-notifier';
