import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// The architecture is only real if the linter refuses to cross it. Each case writes a probe
// file into a real project, lints it with the workspace config, and expects the named rule
// to fire (or, for allowed imports, not to fire).
const root = path.resolve(__dirname, '..');

interface Case {
  title: string;
  file: string;
  source: string;
  expect: string | null;
}

const cases: Case[] = [
  {
    title: 'an adapter lib may not import a feature lib',
    file: 'libs/object-store/src/boundary-probe.ts',
    source: "import { runApp } from '@portico/platform';\nexport const probe = runApp;\n",
    expect: '@nx/enforce-module-boundaries',
  },
  {
    title: 'production code may not import the testing lib',
    file: 'libs/platform/src/boundary-probe.ts',
    source: "import { harness } from '@portico/testing';\nexport const probe = harness;\n",
    expect: '@nx/enforce-module-boundaries',
  },
  {
    title: 'domain code may not do IO',
    file: 'libs/settings/src/boundary-probe.ts',
    source: "import { readFileSync } from 'node:fs';\nexport const probe = readFileSync;\n",
    expect: 'no-restricted-imports',
  },
  {
    title: 'a feature lib may use an adapter lib',
    file: 'libs/platform/src/boundary-probe.ts',
    source: "import { startLocalS3 } from '@portico/object-store';\nexport const probe = startLocalS3;\n",
    expect: null,
  },
  {
    title: 'a spec file may import the testing lib',
    file: 'libs/platform/src/boundary-probe.spec.ts',
    source: "import { harness } from '@portico/testing';\nexport const probe = harness;\n",
    expect: null,
  },
];

/** Runs the workspace's real `eslint` (as `npm run lint` does) and returns the rule ids reported. */
function lint(file: string): Array<string | null> {
  const run = spawnSync(path.join(root, 'node_modules/.bin/eslint'), ['--format', 'json', file], {
    cwd: root,
    encoding: 'utf8',
  });
  // Without a project graph the boundary rule skips itself with only a warning: that must fail.
  expect(`${run.stdout}${run.stderr}`).not.toContain('No cached ProjectGraph');
  if (!run.stdout.trim().startsWith('['))
    throw new Error(`eslint did not report: ${run.stderr || run.stdout}`);
  const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string | null }> }>;
  return result!.messages.map((message) => message.ruleId);
}

describe('module boundaries are enforced by lint', () => {
  beforeAll(() => {
    // `npm run lint` computes the Nx project graph first; so does this test.
    const graph = spawnSync(path.join(root, 'node_modules/.bin/nx'), ['show', 'projects'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (graph.status !== 0) throw new Error(`nx show projects failed: ${graph.stderr}`);
  }, 120_000);

  it.each(cases)(
    '$title',
    ({ file, source, expect: rule }) => {
      const full = path.join(root, file);
      writeFileSync(full, source);
      try {
        const rules = lint(full);
        if (rule) expect(rules).toContain(rule);
        else {
          expect(rules).not.toContain('@nx/enforce-module-boundaries');
          expect(rules).not.toContain('no-restricted-imports');
        }
      } finally {
        rmSync(full, { force: true });
      }
    },
    60_000,
  );
});
