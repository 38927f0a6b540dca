// Fails the build when a page's first load (the console shell, the help center) grows past its budget: the gzipped
// JavaScript of the entry chunk and everything it imports statically (what a browser must
// download before the first screen), read from Vite's manifest. Deterministic: bytes, not time.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const BUDGETS = [
  // The console's page; GraphiQL's (graphiql.html, development only) is not the shell.
  { page: 'index.html', name: 'console shell', bytes: 350 * 1024 },
  // The help center is read on phones, often on slow networks.
  { page: 'help.html', name: 'help center', bytes: 150 * 1024 },
];
const dist = new URL('../dist/', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));

const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const firstLoad = new Set();
let failed = false;
for (const budget of BUDGETS) {
  const entry = manifest[budget.page];
  if (!entry?.isEntry) throw new Error(`no entry for ${budget.page} in the manifest`);
  const seen = new Set();
  const visit = (chunk) => {
    if (seen.has(chunk.file)) return;
    seen.add(chunk.file);
    for (const key of chunk.imports ?? []) visit(manifest[key]);
  };
  visit(entry);
  let total = 0;
  for (const file of seen) {
    const size = gz(file);
    total += size;
    firstLoad.add(file);
    console.log(`  ${budget.name.padEnd(14)} first load ${(size / 1024).toFixed(1).padStart(7)} KB  ${file}`);
  }
  console.log(`${budget.name}: ${(total / 1024).toFixed(1)} KB of gzipped JS on first load (budget ${budget.bytes / 1024} KB)`);
  if (total > budget.bytes) {
    console.error(`${budget.name} over budget: split the heavy screen into its own chunk (React.lazy) or drop a dependency`);
    failed = true;
  }
}
for (const chunk of Object.values(manifest)) {
  if (chunk.file.endsWith('.js') && !firstLoad.has(chunk.file)) {
    console.log(`  on demand   ${(gz(chunk.file) / 1024).toFixed(1).padStart(7)} KB  ${chunk.file}`);
  }
}
if (failed) process.exit(1);
