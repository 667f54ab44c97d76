import { expect } from "chai";
import * as path from "path";
import { loadSettings } from "../lib/settings";
import { readFindingInputs } from "../offline/findingInput";
import { simulate } from "../offline/simulation";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { runScript } from "./support/scripts";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { eventForFinding } from "../offline/findingInput";
import { findingEvent } from "./support/findings";

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

    it("Ctrl-C through the real `npm run simulate -- --json --output`: the report so far, marked interrupted, exit 130", async function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sigint-"));
        try {
            // 2,000 new findings as JSON Lines: long enough to be stopped midway.
            const base = findingEvent().detail.findings[0];
            const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify(eventForFinding({ ...base, Id: `${base.Id}-${i}`, UpdatedAt: new Date(Date.parse(base.UpdatedAt) + i * 1000).toISOString() })));
            const input = path.join(dir, "many.jsonl");
            fs.writeFileSync(input, lines.join("\n") + "\n");
            const output = path.join(dir, "report.json");
            // As a terminal does: npm and the replay in one process group, the group sent SIGINT once
            // progress shows the replay has begun.
            const child = spawn("npm", ["run", "-s", "simulate", "--", "--progress", "--json", "--output", output, input], { cwd: PROJECT_DIR, detached: true, stdio: ["ignore", "pipe", "pipe"] });
            let stderr = "";
            let sent = false;
            child.stderr.on("data", chunk => {
                stderr += chunk;
                if (!sent && / [1-9]\d?% /.test(stderr)) {
                    sent = true;
                    process.kill(-child.pid!, "SIGINT");
                }
            });
            // npm passes the signal on and then ends by it, so a shell reports 130 (128 + SIGINT) either way.
            const status = await new Promise<number | null>(resolve => child.on("exit", (code, signal) => resolve(code ?? (signal === "SIGINT" ? 130 : null))));
            expect(sent, stderr).to.equal(true);
            expect(status, stderr).to.equal(130);
            expect(stderr).to.include(`simulate: report written to ${output}`);
            const report = JSON.parse(fs.readFileSync(output, "utf8"));
            expect(report.interrupted).to.equal(true);
            expect(report.findings.length).to.be.greaterThan(0).and.lessThan(2000);
            expect(report.stuckClaims).to.equal(0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
