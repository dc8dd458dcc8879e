/**
 * The public contract of DESIGN.md in one place: config, execution input, outcomes, error names,
 * history records, hook and event shapes. Each shape has one zod schema; types derive from it.
 */
export * from './config';
export * from './errors';
export * from './events';
export * from './hooks';
export * from './outcome';
export * from './problems';
export * from './records';
export * from './request';
export * from './steps';
