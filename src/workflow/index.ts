export { hostMachine, createHostMachine } from './host-machine.js';
export { hostOutput, type HostContext } from './host-context.js';
export {
  environmentMachine,
  createEnvironmentMachine,
  environmentOutput,
} from './environment-machine.js';
export { rolloutMachine, createRolloutMachine, rolloutOutput } from './rollout-machine.js';
export { planWaves, type Wave, type WavePolicy } from './waves.js';
export type * from './types.js';
export { journaled, type AllSteps, type JournalSink } from './journaled.js';
export { runRollout, type RunRolloutOptions } from './runner.js';
export {
  createRolloutSteps,
  type StepDeps,
  type BindingVerifier,
  type BindingCapture,
} from './steps.js';
export { acquireHostLock, releaseHostLock, DEFAULT_LOCK_PATH } from './host-lock.js';
