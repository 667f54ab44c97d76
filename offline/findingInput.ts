import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { EVENT_DETAIL_TYPE, EVENT_SOURCE } from "../lib/eventPattern";

/** One event to replay, and where it came from (file and position). */
export interface ReplayEvent {
    source: string;
    event: Record<string, any>;
    /** detail.findings[0].Id, when the event carries a finding. */
    findingId?: string;
}

/** Input that was not replayed: where, and why. */
export interface InputProblem {
    source: string;
    reason: string;
}

export interface FindingInputs {
    events: ReplayEvent[];
    /** Records that are JSON but not something to replay (skipped, reported). */
    skipped: InputProblem[];
    /** Files that cannot be read as JSON or JSON Lines (the replay does not run). */
    unreadable: InputProblem[];
}

/** The event Security Hub sends for one finding (as `aws securityhub get-findings` returns it). */
export function eventForFinding(finding: Record<string, any>): Record<string, any> {
    return {
        version: "0",
        id: crypto.randomUUID(),
        "detail-type": EVENT_DETAIL_TYPE,
        source: EVENT_SOURCE,
        account: finding.AwsAccountId,
        time: finding.UpdatedAt ?? new Date().toISOString(),
        region: finding.Region,
        resources: typeof finding.Id === "string" ? [finding.Id] : [],
        detail: { findings: [finding] },
    };
}

function isObject(value: unknown): value is Record<string, any> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Sorts one parsed JSON value into replayable events and skipped records. */
function classify(value: unknown, source: string, out: FindingInputs): void {
    if (Array.isArray(value)) {
        value.forEach((item, i) => classify(item, `${source}[${i}]`, out));
        return;
    }
    if (isObject(value) && Array.isArray(value.Findings)) {
        value.Findings.forEach((finding: unknown, i: number) => {
            const where = `${source} Findings[${i}]`;
            if (!isObject(finding)) out.skipped.push({ source: where, reason: "not a finding object" });
            else if (typeof finding.Id !== "string" || finding.Id.length === 0) out.skipped.push({ source: where, reason: "the finding has no Id" });
            else out.events.push({ source: where, event: eventForFinding(finding), findingId: finding.Id });
        });
        return;
    }
    if (!isObject(value) || typeof value["detail-type"] !== "string" || typeof value.source !== "string" || !isObject(value.detail)) {
        out.skipped.push({ source, reason: "not an EventBridge event (detail-type, source, detail) nor get-findings output ({\"Findings\": [...]})" });
        return;
    }
    const findings = value.detail.findings;
    if (value["detail-type"] === EVENT_DETAIL_TYPE) {
        if (!Array.isArray(findings) || findings.length === 0 || !isObject(findings[0])) {
            out.skipped.push({ source, reason: "the event has no detail.findings[0]" });
            return;
        }
        if (typeof findings[0].Id !== "string" || findings[0].Id.length === 0) {
            out.skipped.push({ source, reason: "the finding has no Id" });
            return;
        }
    }
    const findingId = Array.isArray(findings) && isObject(findings[0]) && typeof findings[0].Id === "string" ? findings[0].Id : undefined;
    out.events.push({ source, event: value, findingId });
}

function readFile(file: string, out: FindingInputs): void {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        out.unreadable.push({ source: file, reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
        return;
    }
    if (!file.endsWith(".jsonl")) {
        try {
            classify(JSON.parse(text), file, out);
            return;
        } catch (err) {
            // A .json file may still hold JSON Lines; anything else is unreadable.
            if (!text.trim().includes("\n")) {
                out.unreadable.push({ source: file, reason: `not JSON: ${(err as Error).message}` });
                return;
            }
        }
    }
    const lines = text.split("\n");
    const before = out.unreadable.length;
    const parsed: Array<[unknown, number]> = [];
    lines.forEach((line, i) => {
        if (line.trim() === "") return;
        try {
            parsed.push([JSON.parse(line), i + 1]);
        } catch (err) {
            out.unreadable.push({ source: `${file}:${i + 1}`, reason: `not JSON: ${(err as Error).message}` });
        }
    });
    if (out.unreadable.length === before) for (const [value, line] of parsed) classify(value, `${file}:${line}`, out);
}

/** Reads files and directories (every .json and .jsonl in them, by name) in the order given. */
export function readFindingInputs(paths: string[]): FindingInputs {
    const out: FindingInputs = { events: [], skipped: [], unreadable: [] };
    for (const p of paths) {
        let stat: fs.Stats;
        try {
            stat = fs.statSync(p);
        } catch {
            out.unreadable.push({ source: p, reason: "no such file or directory" });
            continue;
        }
        if (stat.isDirectory()) {
            const files = fs.readdirSync(p).filter(f => f.endsWith(".json") || f.endsWith(".jsonl")).sort();
            if (files.length === 0) out.unreadable.push({ source: p, reason: "the directory holds no .json or .jsonl file" });
            for (const f of files) readFile(path.join(p, f), out);
        } else {
            readFile(p, out);
        }
    }
    return out;
}
