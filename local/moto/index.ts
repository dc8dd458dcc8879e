export { type EnsureMotoOptions, ensureMoto, MOTO_PIN } from './install';
export { type MotoServer, type StartMotoOptions, startMoto } from './server';
