'use strict';
/**
 * The benchmark: `npm run bench` or `node benchmark/run.js [filter]`, where `filter` keeps the
 * cases whose id (`group: name [loop]`) contains one of its `|`-separated substrings.
 * Each case runs in its own child process (this script with `--one <id>`). See README.md.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { CONFIG, validateCases, runChildIfAsked, runInChild, selectCases } = require('./harness');
const report = require('./report');

/** The groups, in run order. Add a group by adding its case file here. */
const CASES = [
  ...require('./cases/breaker'),
  ...require('./cases/retry'),
  ...require('./cases/timeout'),
  ...require('./cases/bulkhead'),
  ...require('./cases/stack'),
  ...require('./cases/ratelimit'),
  ...require('./cases/cache'),
  // later: rate limiter, cache
];

const RESULTS_FILE = path.join(__dirname, 'results', 'latest.json');

function groupsOf(cases) {
  return [...new Set(cases.map((c) => c.group))];
}

/** Runs the selected cases group by group, printing each group's table as its rows arrive. */
function runAll(selected) {
  const entries = [];
  for (const group of groupsOf(selected)) {
    console.log(report.tableHeader(group));
    for (const def of selected.filter((c) => c.group === group)) {
      const out = runInChild(__filename, def);
      const entry = out.ok ? { def, result: out.result } : { def, error: out.error };
      entries.push(entry);
      console.log(report.tableRow(entry));
      if (!out.ok) console.error(`  ${def.name} [${def.kind}] failed: ${out.error}`);
    }
    console.log('');
  }
  return entries;
}

function saveResults(filter, entries, ratios, overheads) {
  const data = {
    node: process.version,
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}`,
    date: new Date().toISOString(),
    config: CONFIG,
    filter: filter ?? null,
    results: entries.filter((e) => e.result).map((e) => e.result),
    failed: entries.filter((e) => !e.result).map((e) => ({ group: e.def.group, name: e.def.name, kind: e.def.kind, error: e.error })),
    ratios,
    overheads,
  };
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  fs.writeFileSync(RESULTS_FILE, JSON.stringify(data, null, 1) + '\n');
}

async function main() {
  validateCases(CASES);
  if (await runChildIfAsked(CASES)) return;

  const filter = process.argv[2];
  if (filter === 'workers' || filter === 'wakeup') {
    await require(`./${filter}`).main();
    return;
  }
  const selected = selectCases(CASES, filter);
  if (selected.length === 0) {
    console.error(`no benchmark case matches ${JSON.stringify(filter)}`);
    process.exitCode = 1;
    return;
  }
  const cpus = os.cpus();
  console.log('# bulwark benchmark');
  console.log(
    `# node ${process.version}, ${cpus[0]?.model ?? 'unknown cpu'} x${cpus.length}, ` +
      `REPS=${CONFIG.REPS} TARGET_MS=${CONFIG.TARGET_MS} WARMUP_MS=${CONFIG.WARMUP_MS}` +
      (filter ? `, filter ${JSON.stringify(filter)}` : ''),
  );
  console.log('');

  const entries = runAll(selected);
  const ratios = report.computeRatios(entries);
  const overheads = report.computeOverheads(entries);
  console.log(report.formatRatios(ratios));
  console.log('');
  console.log(report.formatOverheads(overheads));
  const hitRatios = require('./cases/cache').hitRatioReport(selected);
  if (hitRatios) console.log(`\n${hitRatios}`);
  saveResults(filter, entries, ratios, overheads);
  if (filter === undefined) {
    console.log('');
    await require('./workers').main();
    console.log('');
    await require('./wakeup').main();
  }
  console.log('');
  console.log(`results: ${path.relative(process.cwd(), RESULTS_FILE)}`);
  if (entries.some((e) => !e.result)) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
