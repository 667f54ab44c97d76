/**
 * Run in a child process by tests/replayMemory.test.ts (with --expose-gc): replays one sample file
 * with each matched event delivered N times and prints the most heap still in use after a
 * collection, sampled through the replay, as JSON on stdout. [events]: only the file's first few.
 *   node --expose-gc -r ts-node/register/transpile-only tests/support/replayMemoryProbe.ts <deliveries> <sample file> [events]
 */
import * as path from "path";
import { loadSettings } from "../../lib/settings";
import { readFindingInputs } from "../../offline/findingInput";
import { simulate } from "../../offline/simulation";
import { PROJECT_DIR, readStackConfig } from "../../offline/stackConfig";

async function main() {
    const deliveries = Number(process.argv[2]);
    const events = readFindingInputs([path.join(PROJECT_DIR, "samples", "findings", process.argv[3])]).events.slice(0, Number(process.argv[4] ?? Infinity));
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error("run with --expose-gc");
    let peak = 0;
    const sample = () => {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
    };
    const timer = setInterval(sample, 1000);
    const report = await simulate({ settings: loadSettings(readStackConfig("dev").read, PROJECT_DIR), stack: "dev", events, deliveries });
    clearInterval(timer);
    sample();
    process.stdout.write(JSON.stringify({ deliveries, executions: report.executions, failures: report.failures.length, incidents: report.incidents.length, peakHeapBytes: peak }) + "\n");
}

main().catch(err => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(2);
});
