import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvironmentSpec } from '@lecture/containers';
import { DEFAULT_DECK, loadDeckFolder } from '@lecture/slides';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The containers lecture's environments (slides/containers-demo/environments.yaml), as the server reads them. */
export const catalogue: readonly EnvironmentSpec[] = loadDeckFolder(resolve(root, DEFAULT_DECK), { repoRoot: root }).environments.map((e) => e.spec);
