export * from './image-policy';
export * from './image-policy-aspect';
export * from './deployed-image-monitor';
export * from './guard-tamper-alerts-props';
export * from './guard-tamper-alerts';
export * from './runtime-threat-alerts-props';
export * from './runtime-threat-alerts';
