export * from './repository-guard';
export * from './guarded-repository';
export * from './repository-fleet';
export * from './enhanced-scanning';
