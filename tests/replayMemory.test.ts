import { expect } from "chai";
import { execFile } from "child_process";
import * as path from "path";
import { PROJECT_DIR } from "../offline/stackConfig";

const NODE = path.join(PROJECT_DIR, "node_modules", ".bin", "node");
const PROBE = path.join(PROJECT_DIR, "tests", "support", "replayMemoryProbe.ts");

/** Replays a sample file in a child process with each matched event delivered `deliveries` times; the most heap it held. */
function probe(deliveries: number, file: string, events: number): Promise<{ executions: number; failures: number; incidents: number; peakHeapBytes: number }> {
    return new Promise((resolve, reject) => {
        execFile(NODE, ["--expose-gc", "-r", "ts-node/register/transpile-only", PROBE, String(deliveries), file, String(events)], { cwd: PROJECT_DIR, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
            if (err) reject(new Error(`${err.message}\n${stderr}`));
            else resolve(JSON.parse(stdout));
        });
    });
}

describe("replay memory", function () {
    this.timeout(300000);

    it("does not grow with the number of deliveries: 250-fold deliveries of sample events hold about the heap of one", async () => {
        // The first two events of the samples: a new finding (its incident opened) and another one.
        const file = "01-eventbridge-events.json";
        const once = await probe(1, file, 2);
        const many = await probe(250, file, 2);
        expect(many.executions).to.equal(once.executions * 250);
        expect([many.failures, many.incidents]).to.deep.equal([once.failures, once.incidents]);
        // Held in memory at once, at most: one execution's state per delivery in flight (a fixed
        // number), not one per delivery. Allow 16 MB over the single delivery's heap.
        const growth = many.peakHeapBytes - once.peakHeapBytes;
        expect(growth, `heap ${Math.round(once.peakHeapBytes / 1e6)} MB with 1 delivery, ${Math.round(many.peakHeapBytes / 1e6)} MB with 250`).to.be.lessThan(16 * 1024 * 1024);
    });
});
