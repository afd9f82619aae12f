// Drives the official Jules SDK (npm @google/jules-sdk) through its main flows against the
// Jules simulator and prints one JSON object: {"<flow>": {...what the SDK returned} |
// {"error": ...}}. Run by tests/contract/test_sdk_contract.py, which starts the simulator
// and asserts on the output; this script asserts nothing itself.
//
// Environment: JULES_SDK_ENTRY (path of the SDK's dist/index.mjs), JULES_BASE_URL,
// JULES_API_KEY, JULES_HOME (the SDK's cache directory), SDK_REPO ("owner/repo").
// Does I/O: HTTP to the simulator on loopback, the SDK's cache files under JULES_HOME.

import { pathToFileURL } from 'node:url';

const sdk = await import(pathToFileURL(process.env.JULES_SDK_ENTRY).href);
const repo = process.env.SDK_REPO;
const source = { github: repo, baseBranch: 'main' };
const jules = sdk.jules.with({
  apiKey: process.env.JULES_API_KEY,
  baseUrl: process.env.JULES_BASE_URL,
  config: { pollingIntervalMs: 40, requestTimeoutMs: 10000 },
});
const WATCHDOG_MS = 20000;

function describe(error) {
  return {
    error: String(error?.message ?? error),
    name: error?.constructor?.name ?? typeof error,
    status: error?.status ?? null,
  };
}

/** Every activity type of a stream, up to and including the first terminal one. */
async function collect(stream) {
  const types = [];
  for await (const activity of stream) {
    types.push(activity.type);
    if (activity.type === 'sessionCompleted' || activity.type === 'sessionFailed') break;
  }
  return types;
}

function prOf(outcome) {
  return outcome.pullRequest
    ? { url: outcome.pullRequest.url, headRef: outcome.pullRequest.headRef ?? null }
    : null;
}

const flows = {
  // jules.run(): create (sources.get first), stream the activities, wait for the result.
  async runResult() {
    const run = await jules.run({ prompt: 'Fix the flaky test', source });
    const types = await collect(run.stream());
    const outcome = await run.result();
    return { id: run.id, types, state: outcome.state, pr: prOf(outcome) };
  },

  // jules.session(): plan approval the documented way (waitFor, approve, result).
  async approvePlan() {
    const session = await jules.session({ prompt: '[jules-sim:plan-approval] Add a test', source });
    await session.waitFor('awaitingPlanApproval');
    const waiting = (await session.info()).state;
    await session.approve();
    const outcome = await session.result();
    const history = [];
    for await (const activity of session.history()) history.push(activity.type);
    const again = await session.activities.hydrate(); // incremental: filter create_time>"..."
    const snapshot = await session.snapshot();
    return {
      waiting,
      state: outcome.state,
      pr: prOf(outcome),
      history,
      hydratedAgain: again,
      snapshotState: snapshot.state,
      snapshotPr: snapshot.pr?.url ?? null,
    };
  },

  // The "inactive" plan: the session reads COMPLETED while its plan waits.
  async inactivePlan() {
    const session = await jules.session({
      prompt: '[jules-sim:plan-approval-inactive] Add a test',
      source,
    });
    await session.waitFor('awaitingPlanApproval'); // returns on COMPLETED (terminal) too
    const before = await session.result(); // SDK: COMPLETED is terminal, so no wait, no PR
    await session.approve();
    await session.waitFor('inProgress');
    const outcome = await session.result();
    return { before: { state: before.state, pr: prOf(before) }, state: outcome.state, pr: prOf(outcome) };
  },

  // sendMessage: answer a question, then ask() something while the agent works.
  async sendMessage() {
    const session = await jules.session({
      prompt: '[jules-sim:user-feedback] Refactor the parser',
      source,
      requireApproval: false,
    });
    await session.waitFor('awaitingUserFeedback');
    await session.send('Yes, keep it backwards compatible.');
    await session.waitFor('inProgress');
    const reply = await session.ask('How is it going?');
    const outcome = await session.result();
    const history = [];
    for await (const activity of session.history()) {
      history.push({ type: activity.type, originator: activity.originator, message: activity.message ?? null });
    }
    return { reply: reply.message, state: outcome.state, pr: prOf(outcome), history };
  },

  // PAUSED (paused in the web app): waitFor it, then a message resumes the session.
  async paused() {
    const session = await jules.session({
      prompt: '[jules-sim:paused] Speed up the build',
      source,
      requireApproval: false,
    });
    await session.waitFor('paused');
    const state = (await session.info()).state;
    await session.send('Please continue.');
    await session.waitFor('inProgress');
    const outcome = await session.result();
    return { state, final: outcome.state, pr: prOf(outcome) };
  },

  async sources() {
    const found = await jules.sources.get({ github: repo });
    const missing = await jules.sources.get({ github: 'octo/not-connected' });
    const listed = [];
    for await (const item of jules.sources()) listed.push(item.name);
    return { name: found?.name ?? null, defaultBranch: found?.githubRepo?.defaultBranch ?? null, missing: missing ?? null, listed };
  },
};

// Lists and archiving, after the other flows created their sessions.
async function listsAndArchive() {
  const firstPage = await jules.sessions({ pageSize: 2 });
  const all = await jules.sessions({ pageSize: 2 }).all();
  const target = all[all.length - 1].id;
  await jules.session(target).archive();
  const afterArchive = (await jules.sessions({ pageSize: 2 }).all()).map((s) => s.id);
  const archived = (await jules.sessions({ filter: 'archived = true' }).all()).map((s) => ({ id: s.id, archived: s.archived }));
  let badFilter;
  try {
    await jules.sessions({ filter: 'state = COMPLETED' });
    badFilter = { error: null };
  } catch (error) {
    badFilter = describe(error);
  }
  await jules.session(target).unarchive();
  const afterUnarchive = (await jules.sessions({ pageSize: 100 })).sessions.map((s) => s.id);
  return {
    firstPage: { count: firstPage.sessions.length, hasNext: Boolean(firstPage.nextPageToken) },
    all: all.map((s) => s.id),
    target,
    afterArchive,
    archived,
    badFilter,
    afterUnarchive,
  };
}

async function guarded(name, fn) {
  let timer;
  const watchdog = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`flow ${name} did not finish in ${WATCHDOG_MS} ms`)), WATCHDOG_MS);
  });
  try {
    return [name, await Promise.race([fn(), watchdog])];
  } catch (error) {
    return [name, describe(error)];
  } finally {
    clearTimeout(timer);
  }
}

const results = Object.fromEntries(
  await Promise.all(Object.entries(flows).map(([name, fn]) => guarded(name, fn))),
);
const [, lists] = await guarded('listsAndArchive', listsAndArchive);
results.listsAndArchive = lists;
process.stdout.write(`${JSON.stringify(results)}\n`);
process.exit(0); // streams and timers of abandoned flows must not keep the process alive
