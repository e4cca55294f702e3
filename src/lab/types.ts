/** Shared small types of the lab. */
export type Profile = 'hapb' | 'tutorial';
export const PROFILES: readonly Profile[] = ['hapb', 'tutorial'];

/** What the converge step gets: the engine runs `playbook` against `inventory`. */
export interface ConvergeRequest {
  lab: string;
  inventory: string;
  playbook: string;
  profile: Profile;
  /** more -e key=value, after the profile's file */
  extraVars?: Readonly<Record<string, string>>;
}

/** A converge: runs the playbook against the lab (src/lab/converge.ts runs this build's `hapb run`). */
export type ConvergeFn = (req: ConvergeRequest) => Promise<void>;
