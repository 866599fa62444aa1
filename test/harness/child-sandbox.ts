// Helper process for the live test of the safety nets: starts a sandbox (non-persistent, so the
// exit handlers and the watchdog are armed), prints {"dir","pids"} as one JSON line, then idles
// until it is killed — or, with "exit" as second argument, exits at once without calling stop().
// Run with: node --import tsx test/harness/child-sandbox.ts [chassis] [exit]

import { startSandbox } from './sandbox.js';

const chassis = Number.parseInt(process.argv[2] ?? '2', 10);
const sb = await startSandbox({ chassis, keepOnFailure: false });
process.stdout.write(`${JSON.stringify({ dir: sb.dir, pids: sb.pids() })}\n`);
if (process.argv[3] === 'exit') process.exit(0);
setInterval(() => undefined, 60_000);
