export * from './guard';
export * from './notify';
export * from './policy';
export * from './deploy';
