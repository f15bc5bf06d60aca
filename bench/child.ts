/**
 * Child server processes. The bench's own servers (upstream, raw hop, apollo+wrap) are
 * transpiled once to plain JS in a temp dir so they run on bare `node` like the gateway does
 * (no tsx loader thread inflating their RSS), pinned to core 0 with taskset when available.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { serverPinPrefix } from './procstat';

export const REPO_ROOT = path.resolve(__dirname, '..');

let buildRoot: string | undefined;

export function scratchDir(): string {
  if (!buildRoot) buildRoot = mkdtempSync(path.join(os.tmpdir(), 'seek-gateway-bench-'));
  return buildRoot;
}

let compiled: string | undefined;

function compiledBenchDir(): string {
  if (compiled) return compiled;
  const out = path.join(scratchDir(), 'bench');
  mkdirSync(out, { recursive: true });
  const src = path.join(REPO_ROOT, 'bench');
  for (const file of readdirSync(src).filter((f) => f.endsWith('.ts'))) {
    const js = ts.transpileModule(readFileSync(path.join(src, file), 'utf8'), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    writeFileSync(path.join(out, file.replace(/\.ts$/, '.js')), js.outputText);
  }
  compiled = out;
  return out;
}

export function cleanupScratch(): void {
  if (buildRoot) rmSync(buildRoot, { recursive: true, force: true });
  buildRoot = undefined;
  compiled = undefined;
}

export interface ChildServer {
  name: string;
  pid: number;
  port: number;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Last-resort cleanup so no server outlives the bench. */
export function killAllChildren(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
}

export function trackChild(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Spawns bench/<script>.ts (transpiled) and waits for it to report its port over IPC. */
export async function startBenchServer(
  name: string,
  script: 'upstream' | 'raw-hop' | 'apollo-wrap-baseline' | 'otlp-receiver',
  env: Record<string, string>,
  pin: boolean,
  timeoutMs = 20_000,
  /** Node flags for the child (`--cpu-prof` for the profile). */
  nodeFlags: readonly string[] = [],
): Promise<ChildServer> {
  const file = path.join(compiledBenchDir(), `${script}.js`);
  const argv = [...serverPinPrefix(pin), process.execPath, ...nodeFlags, file];
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      NODE_PATH: path.join(REPO_ROOT, 'node_modules'),
      NODE_ENV: 'production',
      ...env,
    },
  });
  trackChild(child);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before ready (code ${code}, signal ${signal})`));
    });
    child.on('message', (msg: { type?: string; port?: number }) => {
      if (msg.type === 'ready' && typeof msg.port === 'number') {
        clearTimeout(timer);
        resolve(msg.port);
      }
    });
  });
  if (child.pid === undefined) throw new Error(`${name} has no pid`);
  return {
    name,
    pid: child.pid,
    port,
    url: `http://127.0.0.1:${port}`,
    process: child,
    stop: () => stopChild(child),
  };
}
