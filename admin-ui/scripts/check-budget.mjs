// Fails the build when the console shell's first load grows past its budget: the gzipped
// JavaScript of the entry chunk and everything it imports statically (what a browser must
// download before the first screen), read from Vite's manifest. Deterministic: bytes, not time.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const BUDGET_BYTES = 350 * 1024;
const dist = new URL('../dist/', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));

// The console's page; GraphiQL's (graphiql.html, development only) is not the shell.
const entry = manifest['index.html'];
if (!entry?.isEntry) throw new Error('no console entry (index.html) in the manifest');

const seen = new Set();
const visit = (chunk) => {
  if (seen.has(chunk.file)) return;
  seen.add(chunk.file);
  for (const key of chunk.imports ?? []) visit(manifest[key]);
};
visit(entry);

let total = 0;
const rows = [...seen].map((file) => {
  const gz = gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
  total += gz;
  return [file, gz];
});
const lazy = Object.values(manifest).filter((c) => c.file.endsWith('.js') && !seen.has(c.file));
for (const [file, gz] of rows) console.log(`  first load  ${(gz / 1024).toFixed(1).padStart(7)} KB  ${file}`);
for (const chunk of lazy) {
  const gz = gzipSync(readFileSync(join(dist, chunk.file)), { level: 9 }).length;
  console.log(`  on demand   ${(gz / 1024).toFixed(1).padStart(7)} KB  ${chunk.file}`);
}
console.log(`console shell: ${(total / 1024).toFixed(1)} KB of gzipped JS on first load (budget ${BUDGET_BYTES / 1024} KB)`);
if (total > BUDGET_BYTES) {
  console.error('over budget: split the heavy screen into its own chunk (React.lazy) or drop a dependency');
  process.exit(1);
}
