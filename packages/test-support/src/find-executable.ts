import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A system binary the tests run: where Debian puts it, the variable that overrides it, and how to get it. */
export interface ExecutableSpec {
  /** The command's name, looked up on PATH after `path`. */
  name: string;
  /** Where the Debian package installs it. */
  path: string;
  /** The environment variable that names another binary; when set, only it is tried. */
  env: string;
  /** The Debian package that installs it. */
  debianPackage: string;
}

/** The first executable of the spec's candidates; throws naming the package and the variable when there is none. */
export function findExecutable({ name, path, env, debianPackage }: ExecutableSpec): string {
  const override = process.env[env];
  const candidates = override ? [override] : [path, ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name))];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // the next one
    }
  }
  throw new Error(
    `No ${name} binary (looked at ${candidates.join(', ')}): install Debian's ${debianPackage} (\`sudo apt-get install -y ${debianPackage}\`; ` +
      `the root \`npm test\` does it when it runs as root or with passwordless sudo), or set ${env}`,
  );
}
