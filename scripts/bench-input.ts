/**
 * Benchmark of the replay's input reader (offline/findingInput.ts, offline/jsonStream.ts): writes
 * a generated file of E events for F findings (each finding re-imported E/F times, in shuffled
 * time order), then runs the index pass and reads every finding's events back in time order, as
 * `npm run simulate` does, without running the workflow. Prints wall time, throughput and peak
 * memory, one figure a line. The file goes to out/bench-input/ and is deleted afterwards.
 *   npm run bench:input -- [--events E] [--findings F] [--format jsonl|get-findings|concatenated]
 */
import * as fs from "fs";
import * as path from "path";
import { generatedFinding } from "./support/generatedFinding";
import { eventForFinding, indexFindingInputs } from "../offline/findingInput";
import { peakRss } from "./support/measure";
import { PROJECT_DIR } from "../offline/stackConfig";

function option(name: string, fallback: number): number {
    const i = process.argv.indexOf(`--${name}`);
    const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`);
    return value;
}

const MB = 1024 * 1024;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

async function main() {
    const events = option("events", 1_000_000);
    const findings = option("findings", 100_000);
    const formatAt = process.argv.indexOf("--format");
    const format = formatAt >= 0 ? process.argv[formatAt + 1] : "jsonl";
    if (!["jsonl", "get-findings", "concatenated"].includes(format)) throw new Error("--format must be jsonl, get-findings or concatenated");
    const dir = path.join(PROJECT_DIR, "out", "bench-input");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `input.${format === "jsonl" ? "jsonl" : "json"}`);

    // Written in pieces: the generator holds no more than one event either.
    let t = Date.now();
    const fd = fs.openSync(file, "w");
    try {
        if (format === "get-findings") fs.writeSync(fd, '{"Findings": [\n');
        const base = Date.parse("2026-11-01T00:00:00Z");
        for (let i = 0; i < events; i++) {
            const n = (i * 7919) % findings;
            // Times that go back and forth: each finding's events come out of order in the file.
            const minutes = ((i * 104729) % (30 * 24 * 60));
            const finding = generatedFinding({ n, tag: "input", control: "S3.8", title: "S3 general purpose buckets should block public access", account: String(100000000000 + (n % 100)), updatedAt: new Date(base + minutes * 60000).toISOString(), severity: "HIGH" });
            const text = format === "get-findings" ? JSON.stringify(finding, null, 2) : JSON.stringify(eventForFinding(finding));
            fs.writeSync(fd, format === "get-findings" ? `${i > 0 ? ",\n" : ""}${text}` : format === "jsonl" ? `${text}\n` : text);
        }
        if (format === "get-findings") fs.writeSync(fd, "\n]}\n");
    } finally {
        fs.closeSync(fd);
    }
    const bytes = fs.statSync(file).size;
    console.log(`file  ${path.relative(PROJECT_DIR, file)} (${format})`);
    console.log(`size  ${fmt(bytes / MB)} MB`);
    console.log(`events  ${fmt(events)}`);
    console.log(`findings  ${fmt(findings)}`);
    console.log(`generated in  ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const rssBefore = peakRss() ?? 0;

    t = Date.now();
    const read = indexFindingInputs([file]);
    const indexSeconds = (Date.now() - t) / 1000;
    if (read.unreadable.length > 0) throw new Error(read.unreadable.map(u => `${u.source}: ${u.reason}`).join("\n"));
    global.gc?.();
    const heapAfterIndex = process.memoryUsage().heapUsed;
    console.log(`index pass  ${indexSeconds.toFixed(1)} s`);
    console.log(`index throughput  ${fmt(bytes / MB / indexSeconds)} MB/s, ${fmt(read.input.events / indexSeconds)} events/s`);
    console.log(`heap after index  ${fmt(heapAfterIndex / MB)} MB`);

    t = Date.now();
    let readBack = 0;
    let outOfOrder = 0;
    for (const finding of read.input.findings()) {
        let last = -Infinity;
        for (const { item } of read.input.eventsOf(finding)) {
            readBack++;
            const time = Date.parse(item.event.time);
            if (time < last) outOfOrder++;
            last = time;
        }
    }
    read.input.close();
    const replaySeconds = (Date.now() - t) / 1000;
    console.log(`sorted read-back  ${replaySeconds.toFixed(1)} s, ${fmt(readBack / replaySeconds)} events/s`);
    console.log(`events read back  ${fmt(readBack)} (${outOfOrder} out of time order)`);
    console.log(`peak memory  ${fmt((peakRss() ?? 0) / MB)} MB (after generating: ${fmt(rssBefore / MB)} MB)`);
    if (!process.argv.includes("--keep")) fs.rmSync(file);
    if (readBack !== events || outOfOrder > 0) process.exitCode = 1;
}

main().catch(err => {
    console.error(`bench:input: ${(err as Error).message}`);
    process.exit(2);
});
