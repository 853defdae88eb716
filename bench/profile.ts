/**
 * Summarises V8 .cpuprofile files (`node --cpu-prof`): self time by function and, counting each
 * sample once per package on its stack, inclusive time by package — optionally only the samples
 * inside a window of process.hrtime microseconds (the clock V8 stamps samples with on Linux).
 *
 *   npx tsx bench/profile.ts <dir-or-file.cpuprofile> [--from <µs> --to <µs>] [--top 25]
 *
 * (a run's profile directory carries its window in window.json, used when --from/--to are not given)
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  files: string[];
  /** sampled milliseconds inside the window */
  totalMs: number;
  /** of which the process was idle (waiting in epoll) */
  idleMs: number;
  selfTime: { name: string; where: string; category: string; ms: number; share: number }[];
  /**
   * By package: self time; self time with native and Node-internal frames charged to the package
   * that called them (a socket write to the package that wrote); time with the package on the stack.
   */
  byCategory: { category: string; selfMs: number; chargedMs: number; chargedShare: number; inclusiveMs: number; inclusiveShare: number }[];
}

const ROOT = path.resolve(__dirname, '..');

/** node_modules package, node internals, V8 pseudo-frames, or the repository file. */
function categoryOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'V8/native (program)';
    return functionName.startsWith('(') ? functionName : 'native';
  }
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node internals';
  const file = url.replace(/^file:\/\//, '');
  if (file.startsWith(ROOT)) {
    const relative = path.relative(ROOT, file);
    const [top, name] = relative.split('/');
    return top === 'packages' || top === 'services' ? `${top}/${name}` : top;
  }
  return 'other';
}

const where = (frame: CallFrame) => {
  if (!frame.url) return '';
  const file = frame.url.replace(/^file:\/\//, '');
  const shown = file.includes('node_modules/') ? file.slice(file.lastIndexOf('node_modules/') + 'node_modules/'.length) : path.relative(ROOT, file) || file;
  return `${shown}:${frame.lineNumber + 1}`;
};

/** The main threads' profiles (CPU.<date>.<time>.<pid>.0.<seq>.cpuprofile): tsx's module-hooks thread is left out. */
export function profileFiles(target: string, mainThreadOnly = true): string[] {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.cpuprofile') && (!mainThreadOnly || /\.\d+\.0\.\d+\.cpuprofile$/.test(file)))
    .map((file) => path.join(target, file));
}

/** Frames that do work on behalf of their caller. */
const UNOWNED = new Set(['native', 'node internals', 'GC', 'V8/native (program)', '(root)', 'idle', 'bench', 'other']);

export function summarizeProfiles(files: string[], window?: { from: number; to: number }, top = 25): ProfileSummary {
  const self = new Map<string, { name: string; where: string; category: string; us: number }>();
  const categorySelf = new Map<string, number>();
  const categoryCharged = new Map<string, number>();
  const categoryInclusive = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const owners = new Map<number, string>();
    const ownerOf = (id: number): string => {
      const cached = owners.get(id);
      if (cached) return cached;
      let owner = categoryOf((byId.get(id) as ProfileNode).callFrame);
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const category = categoryOf((byId.get(at) as ProfileNode).callFrame);
        if (!UNOWNED.has(category)) {
          owner = category;
          break;
        }
      }
      owners.set(id, owner);
      return owner;
    };
    const stackCategories = new Map<number, string[]>();
    const categoriesOf = (id: number): string[] => {
      const cached = stackCategories.get(id);
      if (cached) return cached;
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) seen.add(categoryOf((byId.get(at) as ProfileNode).callFrame));
      const list = [...seen];
      stackCategories.set(id, list);
      return list;
    };
    let time = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      time += profile.timeDeltas[i] ?? 0;
      // A sample stands for the interval up to the next one.
      const dt = profile.timeDeltas[i + 1] ?? 0;
      if (window && (time < window.from || time > window.to)) continue;
      const node = byId.get(profile.samples[i]) as ProfileNode;
      const category = categoryOf(node.callFrame);
      totalUs += dt;
      if (category === 'idle') {
        idleUs += dt;
        continue;
      }
      const key = `${node.callFrame.functionName}|${node.callFrame.url}|${node.callFrame.lineNumber}`;
      const entry = self.get(key) ?? { name: node.callFrame.functionName || '(anonymous)', where: where(node.callFrame), category, us: 0 };
      entry.us += dt;
      self.set(key, entry);
      categorySelf.set(category, (categorySelf.get(category) ?? 0) + dt);
      const owner = ownerOf(node.id);
      categoryCharged.set(owner, (categoryCharged.get(owner) ?? 0) + dt);
      for (const onStack of categoriesOf(node.id)) categoryInclusive.set(onStack, (categoryInclusive.get(onStack) ?? 0) + dt);
    }
  }
  const busyUs = totalUs - idleUs;
  const share = (us: number) => (busyUs > 0 ? Math.round((us / busyUs) * 1000) / 10 : 0);
  return {
    files,
    totalMs: Math.round(totalUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    selfTime: [...self.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((entry) => ({ name: entry.name, where: entry.where, category: entry.category, ms: Math.round(entry.us / 1000), share: share(entry.us) })),
    byCategory: [...new Set([...categoryCharged.keys(), ...categorySelf.keys()])]
      .filter((category) => category !== 'idle' && category !== '(root)')
      .map((category) => ({ category, charged: categoryCharged.get(category) ?? 0, inclusive: categoryInclusive.get(category) ?? 0 }))
      .sort((a, b) => b.charged - a.charged)
      .slice(0, top)
      .map(({ category, charged, inclusive }) => ({
        category,
        selfMs: Math.round((categorySelf.get(category) ?? 0) / 1000),
        chargedMs: Math.round(charged / 1000),
        chargedShare: share(charged),
        inclusiveMs: Math.round(inclusive / 1000),
        inclusiveShare: share(inclusive),
      })),
  };
}

export function profileMarkdown(title: string, summary: ProfileSummary, top = 15): string {
  const busy = summary.totalMs - summary.idleMs;
  const lines = [
    `#### ${title}`,
    '',
    `${summary.files.length} profile(s), ${summary.totalMs} ms sampled in the window, ${busy} ms busy (${summary.totalMs ? Math.round((busy / summary.totalMs) * 100) : 0} % of wall time on the main thread).`,
    '',
    '| self ms | % of busy | function | where | package |',
    '|---:|---:|---|---|---|',
    ...summary.selfTime.slice(0, top).map((entry) => `| ${entry.ms} | ${entry.share} | \`${entry.name}\` | ${entry.where} | ${entry.category} |`),
    '',
    'Native and Node-internal frames charged to the package that called them (a socket write to the library that wrote):',
    '',
    '| package / area | self ms | charged ms | charged % of busy | inclusive % of busy |',
    '|---|---:|---:|---:|---:|',
    ...summary.byCategory.slice(0, top).map((entry) => `| ${entry.category} | ${entry.selfMs} | ${entry.chargedMs} | ${entry.chargedShare} | ${entry.inclusiveShare} |`),
    '',
  ];
  return lines.join('\n');
}

if (require.main === module) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { from: { type: 'string' }, to: { type: 'string' }, top: { type: 'string', default: '25' } },
  });
  if (!positionals[0]) {
    console.error('usage: tsx bench/profile.ts <dir-or-file> [--from µs --to µs] [--top N]');
    process.exit(2);
  }
  // A run's profile directory holds the burst window the bench wrote (window.json); --from/--to override it.
  const windowFile = [positionals[0], path.dirname(positionals[0])].map((dir) => path.join(dir, 'window.json')).find((file) => existsSync(file));
  const window =
    values.from && values.to
      ? { from: Number(values.from), to: Number(values.to) }
      : windowFile
        ? (JSON.parse(readFileSync(windowFile, 'utf8')) as { from: number; to: number })
        : undefined;
  const summary = summarizeProfiles(profileFiles(positionals[0]), window, Number(values.top));
  console.log(profileMarkdown(positionals[0], summary, Number(values.top)));
}
