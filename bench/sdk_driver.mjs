// The official Jules SDK (npm @google/jules-sdk) as a client of bench/sdk_vs_action.py, on
// the bench's clock: the SDK's poll sleep (exactly POLL_MS) does not wait for real; it asks
// the bench to move simulated time by as much and resumes when the bench says so. Nothing
// else is faked: the SDK's own code makes every request to the simulator over HTTP.
//
// Protocol, one JSON object per line: the bench writes {"baseUrl": ...} for each job; this
// script runs jules.run() + result() against it, writing {"advance": seconds} for every poll
// sleep (the bench answers with any line once it moved its clock) and finally
// {"done": {"state", "pr"}} or {"done": {"error"}}. It ends when stdin closes.
//
// Environment: JULES_SDK_ENTRY (path of the SDK's dist/index.mjs), JULES_API_KEY, SDK_REPO
// ("owner/repo"), JULES_HOME (the SDK's cache directory), POLL_MS (default 5000, the SDK's).

import readline from 'node:readline';
import { pathToFileURL } from 'node:url';

const POLL_MS = Number(process.env.POLL_MS ?? '5000');
const lines = [];
const waiting = [];
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const resolve = waiting.shift();
  if (resolve) resolve(line);
  else lines.push(line);
}).on('close', () => {
  for (const resolve of waiting.splice(0)) resolve(null);
  lines.push(null);
});

function nextLine() {
  return lines.length ? Promise.resolve(lines.shift()) : new Promise((resolve) => waiting.push(resolve));
}

function send(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

// The SDK sleeps between polls with setTimeout(resolve, pollingIntervalMs): that one delay
// becomes a step of the bench's clock. Other timers (request timeouts, undici) stay real.
const realSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = function benchSetTimeout(callback, ms, ...args) {
  if (ms !== POLL_MS) return realSetTimeout(callback, ms, ...args);
  send({ advance: ms / 1000 });
  nextLine().then(() => callback(...args));
  const handle = { ref: () => handle, unref: () => handle, hasRef: () => false, refresh: () => handle };
  return handle;
};

const sdk = await import(pathToFileURL(process.env.JULES_SDK_ENTRY).href);

async function job(baseUrl) {
  const jules = sdk.jules.with({
    apiKey: process.env.JULES_API_KEY,
    baseUrl,
    config: { pollingIntervalMs: POLL_MS },
  });
  const run = await jules.run({
    prompt: 'Fix the spelling error in the README file',
    source: { github: process.env.SDK_REPO, baseBranch: 'master' },
  });
  const outcome = await run.result();
  return { state: outcome.state, pr: outcome.pullRequest?.url ?? null };
}

for (;;) {
  const line = await nextLine();
  if (line === null) break;
  const { baseUrl } = JSON.parse(line);
  try {
    send({ done: await job(baseUrl) });
  } catch (error) {
    send({ done: { error: String(error?.message ?? error) } });
  }
}
