// Runs one of the project's entry files (src/main.ts, scripts/doctor.ts) as a real process with
// tsx, with exactly the environment given (nothing from this shell but PATH), and reads its
// output: what an operator sees.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningEntry {
  /** Resolves with the first stdout match; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<Exited>;
  kill(signal?: NodeJS.Signals): void;
}

export const runEntry = (
  script: string,
  args: string[],
  env: Record<string, string>,
  options: { guardMs?: number; nodeArgs?: string[] } = {},
): RunningEntry => {
  const nodeArgs = [...(options.nodeArgs ?? []), '--import', 'tsx'];
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    for (const watcher of [...watchers]) watcher();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  // A process that wrongly keeps running would hang the suite: end it; the assertions say why.
  const guard = setTimeout(() => child.kill('SIGKILL'), options.guardMs ?? 25_000);
  const exited = new Promise<Exited>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      for (const watcher of [...watchers]) watcher();
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return {
    exited,
    kill: (signal = 'SIGTERM') => child.kill(signal),
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout);
          if (match) {
            watchers.splice(watchers.indexOf(check), 1);
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            watchers.splice(watchers.indexOf(check), 1);
            reject(new Error(`exited before ${pattern}:\n${stdout}\n${stderr}`));
          }
        };
        watchers.push(check);
        check();
      }),
  };
};

/** The last line on stderr: the one the operator reads. */
export const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';

/**
 * Writes a preload (`nodeArgs: ['--require', file]`) that records every require whose name
 * matches `pattern` (a RegExp source) and prints them on stderr at exit, as `MODULES [...]`.
 */
export const writeModuleProbe = (file: string, pattern: string) => {
  writeFileSync(
    file,
    [
      "const Module = require('node:module');",
      'const load = Module._load;',
      'const seen = new Set();',
      `const pattern = new RegExp(${JSON.stringify(pattern)});`,
      'Module._load = function (request, ...rest) {',
      '  if (pattern.test(request)) seen.add(request);',
      '  return load.call(this, request, ...rest);',
      '};',
      "process.on('exit', () => process.stderr.write(`MODULES ${JSON.stringify([...seen])}\\n`));",
    ].join('\n'),
  );
  return file;
};

/** The modules a process started with writeModuleProbe's preload required. */
export const modulesLoaded = (stderr: string): string[] =>
  JSON.parse(/^MODULES (.*)$/m.exec(stderr)?.[1] ?? 'null') as string[];

/** writeModuleProbe for the AWS and Azure SDKs. */
export const writeSdkProbe = (file: string) =>
  writeModuleProbe(file, '^@(aws-sdk|azure|smithy)\\/');

/** The SDK modules a process started with writeSdkProbe's preload required. */
export const sdksLoaded = modulesLoaded;
