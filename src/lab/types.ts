/** Shared small types of the lab. */
export type Profile = 'hapb' | 'tutorial';
export const PROFILES: readonly Profile[] = ['hapb', 'tutorial'];

/** What the converge step gets: the engine runs `playbook` against `inventory`. */
export interface ConvergeRequest {
  lab: string;
  inventory: string;
  playbook: string;
  profile: Profile;
}

/** The converge hook: the lead's CLI passes a function that runs the engine (runPlaybook). */
export type ConvergeFn = (req: ConvergeRequest) => Promise<void>;
