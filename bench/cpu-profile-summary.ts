/**
 * Summarises `node --cpu-prof` output: the top self-time frames and the share per package, to show
 * what limits a bench run (issue 9 section 2: "if the emulator or the 2-core machine is what limits
 * it, show that with a profile").
 *
 * Run: `npx tsx bench/cpu-profile-summary.ts <file.cpuprofile> [top]`.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
}

/** One line of the summary: a frame or a package, and its share of the samples. */
export interface ProfileShare {
  readonly name: string;
  readonly percent: number;
}

/** Where a frame's code lives: its package, a project folder, or Node's own/idle/GC. */
function ownerOf(url: string, functionName: string): string {
  if (url === '') return `(${functionName || 'native'})`;
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (inPackage) return inPackage;
  if (url.startsWith('node:')) return 'node internals';
  const project = /\/(bench|functions\/core|functions|local|test)\//.exec(url)?.[1];
  return project ?? url;
}

/** Top `top` frames by self time, and the share of every owner (package, folder), from one profile. */
export function summariseProfile(
  profile: CpuProfile,
  top = 12,
): { frames: ProfileShare[]; owners: ProfileShare[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const frames = new Map<string, number>();
  const owners = new Map<string, number>();
  for (const id of profile.samples) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const file = frame.url.split('/').slice(-2).join('/');
    const name = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    frames.set(name, (frames.get(name) ?? 0) + 1);
    const owner = ownerOf(frame.url, frame.functionName);
    owners.set(owner, (owners.get(owner) ?? 0) + 1);
  }
  const total = profile.samples.length || 1;
  const ranked = (counts: Map<string, number>): ProfileShare[] =>
    [...counts]
      .map(([name, count]) => ({ name, percent: (100 * count) / total }))
      .sort((a, b) => b.percent - a.percent)
      .slice(0, top);
  return { frames: ranked(frames), owners: ranked(owners) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: tsx bench/cpu-profile-summary.ts <file.cpuprofile> [top]');
  const { frames, owners } = summariseProfile(
    JSON.parse(readFileSync(file, 'utf8')) as CpuProfile,
    Number(top ?? 12),
  );
  const lines = (shares: ProfileShare[]): string =>
    shares.map((s) => `  ${s.percent.toFixed(1)}% ${s.name}`).join('\n');
  process.stdout.write(`By owner:\n${lines(owners)}\nTop self-time frames:\n${lines(frames)}\n`);
}
