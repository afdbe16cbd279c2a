export * from './scan-guard-spoke';
export * from './scan-guard-spoke-props';
export * from './scan-guard-hub-props';
export * from './scan-guard-hub';
export * from './scan-guard-portfolio';
export * from './scan-guard-launch-role';
export * from './scan-event-forwarder';
