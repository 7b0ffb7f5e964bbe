/** A Debian package the tests need, known by the binary it installs. */
export interface SystemPackage {
  /** The Debian package name (`apt-get install` takes it). */
  name: string;
  /** The binary the package installs, which the tests run. */
  binary: string;
  /** The environment variable the tests read for another binary; when set to an executable, the package counts as present. */
  env: string;
  /** Which test needs it, for the install line. */
  neededBy: string;
}

export type Plan =
  | { action: 'none' }
  | { action: 'install'; commands: string[][] }
  | { action: 'fail'; message: string };

export const SYSTEM_PACKAGES: readonly SystemPackage[];

export function missingPackages(
  packages?: readonly SystemPackage[],
  env?: Record<string, string | undefined>,
  isExecutable?: (path: string) => boolean,
): SystemPackage[];

export function plan(situation: { missing: readonly SystemPackage[]; debian: boolean; root: boolean; passwordlessSudo: boolean }): Plan;
