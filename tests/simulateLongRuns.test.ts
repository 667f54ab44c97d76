import { expect } from "chai";
import * as path from "path";
import { loadSettings } from "../lib/settings";
import { readFindingInputs } from "../offline/findingInput";
import { simulate } from "../offline/simulation";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { runScript } from "./support/scripts";

const SAMPLES = path.join(PROJECT_DIR, "samples", "findings");

describe("simulate: long runs", function () {
    this.timeout(180000);

    it("stopped by its signal, finishes the findings begun and reports only them, marked interrupted", async () => {
        const events = readFindingInputs([SAMPLES]).events;
        const stop = new AbortController();
        const report = await simulate({
            settings: loadSettings(readStackConfig("dev").read, PROJECT_DIR), stack: "dev", events, concurrency: 1,
            signal: stop.signal,
            onProgress: () => stop.abort(),
        });
        expect(report.interrupted).to.equal(true);
        // One finding at a time: the earliest finding's events, and no other finding's.
        expect(report.incidents).to.have.length(1);
        expect(report.matched).to.be.lessThan(13);
        const whole = await simulate({ settings: loadSettings(readStackConfig("dev").read, PROJECT_DIR), stack: "dev", events });
        expect(whole.interrupted).to.equal(undefined);
    });

    it("--limit N replays the events of the first N findings only; a bad --limit is named", () => {
        const result = runScript("simulate", ["--limit", "2", "--json"]);
        expect(result.status, result.stderr).to.equal(0);
        const report = JSON.parse(result.stdout);
        expect(report.interrupted).to.equal(undefined);
        const ids = new Set(report.incidents.map((i: { findingId: string }) => i.findingId));
        expect(ids.size).to.equal(2);
        expect(report.events).to.be.lessThan(28);
        const bad = runScript("simulate", ["--limit", "0"]);
        expect(bad.status).to.equal(2);
        expect(bad.stderr).to.match(/--limit/);
    });
});
