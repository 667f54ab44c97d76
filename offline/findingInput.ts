/**
 * The replay's input: findings as users have them, read as a stream.
 *
 * Accepted, in any file and in any mix: EventBridge events (one, a list, JSON Lines, or
 * Firehose-style concatenated `{…}{…}`), bare findings and lists of findings in ASFF or OCSF (one
 * finding, Prowler's `-M json-asff` list, `get-findings` / `--query Findings` output,
 * GetFindingsV2 output). A directory is read recursively (every .json and .jsonl file, by path).
 * One bad finding skips only itself, with a one-line reason naming file and position; findings the
 * rule can never match although they look real are replayed with a warning saying why.
 *
 * Files are never read whole (offline/jsonStream.ts scans them in 1 MiB windows), and there is no
 * file-size cap. The API, for the replay and benchmarks:
 *   - `indexFindingInputs(paths, baseDir)` → `{ input, skipped, warnings, unreadable }`: the index
 *     pass. `input` is a `ReplaySource` (what offline/simulation.ts replays): per event it keeps a
 *     few numbers (file, byte span, position, finding, time; about 60 bytes), never the event,
 *     and `eventsOf(finding)` reads one finding's events back from the files, in time order. So
 *     memory grows with distinct findings (and a few bytes per event), not with the events' size.
 *   - `streamFindingInputs(paths, baseDir, problems?)`: an async iterator of `ReplayEvent`
 *     ({ event, source, findingId, format }) in file order, for a single streaming pass.
 *   - `readFindingInputs(paths, baseDir)`: everything in memory (tests, small inputs).
 *   - `eventsSource(events)`: a `ReplaySource` over events already in memory (benchmarks).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { isUtf8 } from "buffer";
import { EVENT_DETAIL_TYPE, EVENT_SOURCE, OCSF_EVENT_DETAIL_TYPE } from "../lib/eventPattern";
import { isOcsfFinding, OCSF_FINDING_PATHS, ocsfString, ocsfValue } from "../lib/ocsf";
import { fsReason, specialKind } from "./fsMessages";
import { escapeControls } from "./safeText";
import { EncodingError, FileWindow, JsonScanError, scanJson, Span } from "./jsonStream";
import { productNameOf } from "../lib/producers";

/** One event to replay, and where it came from (file and position). */
export interface ReplayEvent {
    source: string;
    event: Record<string, any>;
    /**
     * The finding's id, when the event carries a finding: ASFF `detail.findings[0].Id`, OCSF
     * `detail.findings[0].finding_info.uid`. For control and GuardDuty findings both formats give
     * the same string, so a finding sent in both formats is replayed as one finding's events, in
     * time order (`format` tells them apart).
     */
    findingId?: string;
    /** Which format the finding is in: ASFF ("Security Hub Findings - Imported") or OCSF ("Findings Imported V2"). */
    format?: "ASFF" | "OCSF";
}

/** Input that was not replayed (or was replayed with a note): where, and why. */
export interface InputProblem {
    source: string;
    reason: string;
}

/** What reading the input found besides the events. */
export interface InputProblems {
    /** Records that are JSON but not something to replay, and files with no events (skipped, reported). */
    skipped: InputProblem[];
    /** Input replayed differently from how it was written (an event split per finding), or that the rule will never match although it looks real. */
    warnings: InputProblem[];
    /** Files that cannot be read as JSON or JSON Lines (the replay does not run). */
    unreadable: InputProblem[];
}

export interface FindingInputs extends InputProblems {
    events: ReplayEvent[];
}

/** A finding to replay (an event without a finding id is a finding of its own). */
export interface ReplayFinding {
    /** Input order of its first event in the file order. */
    firstOrder: number;
    events: number;
}

/**
 * Events to replay, by finding (what offline/simulation.ts takes): the findings in the order the
 * replay starts them (the time of their first event, then input order), and each finding's events
 * in time order (input order for equal or missing times).
 */
export interface ReplaySource {
    /** How many events. */
    readonly events: number;
    findings(): ReplayFinding[];
    /** The finding's events in time order, each with its input order. */
    eventsOf(finding: ReplayFinding): Array<{ order: number; item: ReplayEvent }>;
    /** Releases open files. */
    close?(): void;
}

/** At most this many problems of one kind are listed per file; the rest are counted. */
export const MAX_PROBLEMS_PER_FILE = 10;
/** Records nested deeper than this are skipped: no Security Hub finding comes close. */
export const MAX_NESTING = 100;
/** A record (event or finding) larger than this is skipped: EventBridge events are at most 256 KB, a finding at most 240 KB. */
export const MAX_RECORD_BYTES = 32 * 1024 * 1024;

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

/** An RFC 3339 time as an ISO-8601 string, or undefined when it is not a time. */
function isoTime(value: unknown): string | undefined {
    if (typeof value === "string" && !Number.isNaN(Date.parse(value))) return value;
    if (typeof value === "number" && Number.isFinite(value)) return new Date(value).toISOString();
    return undefined;
}

/**
 * The "Findings Imported V2" event the new Security Hub sends for one OCSF finding (as
 * GetFindingsV2 returns it in `Findings`): account and Region from `cloud.account.uid` and
 * `cloud.region`, time from `time_dt`, else `finding_info.modified_time_dt`, else `time` (epoch
 * milliseconds), and `resources` = [metadata.uid] (the envelope's hash; ocsf-v2.md, "Envelope").
 */
export function eventForOcsfFinding(finding: Record<string, any>): Record<string, any> {
    const metadataUid = ocsfString(finding, OCSF_FINDING_PATHS.metadataUid);
    return {
        version: "0",
        id: crypto.randomUUID(),
        "detail-type": OCSF_EVENT_DETAIL_TYPE,
        source: EVENT_SOURCE,
        account: ocsfString(finding, OCSF_FINDING_PATHS.account),
        time: isoTime(finding.time_dt) ?? isoTime(ocsfValue(finding, OCSF_FINDING_PATHS.modifiedTime)) ?? isoTime(finding.time) ?? new Date().toISOString(),
        region: ocsfString(finding, OCSF_FINDING_PATHS.region),
        resources: metadataUid === undefined ? [] : [metadataUid],
        detail: { findings: [finding] },
    };
}

function isObject(value: unknown): value is Record<string, any> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** "a number", "null", "a list", ... for messages about a value of the wrong kind. */
function kindOf(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "a list";
    if (typeof value === "object") return "an object";
    if (typeof value === "string") return "a string";
    if (typeof value === "number") return "a number";
    if (typeof value === "boolean") return "a boolean";
    return typeof value;
}

/** Why a finding cannot be replayed, or undefined when it can. */
function findingProblem(finding: unknown): string | undefined {
    if (!isObject(finding)) return `not a finding object (${kindOf(finding)})`;
    if (!("Id" in finding) || finding.Id === undefined) return "the finding has no Id";
    if (typeof finding.Id !== "string") return `the finding's Id is ${kindOf(finding.Id)}, not a string`;
    if (finding.Id.length === 0) return "the finding's Id is empty";
    return undefined;
}

/** Why an OCSF finding cannot be replayed (it needs a string finding_info.uid), or undefined when it can. */
function ocsfFindingProblem(finding: unknown): string | undefined {
    if (!isObject(finding)) return `not a finding object (${kindOf(finding)})`;
    const info = finding.finding_info;
    if (info === undefined) return "the OCSF finding has no finding_info";
    if (!isObject(info)) return `the OCSF finding's finding_info is ${kindOf(info)}, not an object`;
    if (!("uid" in info) || info.uid === undefined) return "the OCSF finding has no finding_info.uid";
    if (typeof info.uid !== "string") return `the OCSF finding's finding_info.uid is ${kindOf(info.uid)}, not a string`;
    if (info.uid.length === 0) return "the OCSF finding's finding_info.uid is empty";
    return undefined;
}

/** A finding of either format as the replay takes it: its event, id and format, or why it is skipped. */
function replayableFinding(finding: unknown, ocsf: boolean): { problem: string } | { id: string; format: "ASFF" | "OCSF" } {
    const problem = ocsf ? ocsfFindingProblem(finding) : findingProblem(finding);
    if (problem) return { problem };
    return ocsf ? { id: (finding as any).finding_info.uid, format: "OCSF" } : { id: (finding as { Id: string }).Id, format: "ASFF" };
}

/** How deeply a value nests, counted without recursion (a deep value must not overflow the stack). */
function nestingDepth(value: unknown, limit: number): number {
    let deepest = 0;
    const stack: Array<[unknown, number]> = [[value, 1]];
    while (stack.length > 0) {
        const [node, depth] = stack.pop()!;
        if (node === null || typeof node !== "object") continue;
        if (depth > deepest) deepest = depth;
        if (deepest > limit) return deepest;
        for (const child of Object.values(node)) if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
    return deepest;
}


/** Where an event is in the input: enough to name it and to read it back. */
interface Loc {
    file: number;
    /** The record's byte span (a top-level value, a list element, a get-findings finding, or a JSON Lines line). */
    start: number;
    length: number;
    /** How the top-level value is named: 0 by the file alone, 1 `:line`, 2 `:line:column`. */
    top: number;
    line: number;
    column: number;
    /** `[i]`: element of a list; ` Findings[i]`: finding of get-findings output; ` findings[i]`: finding of a split event; -1: none. */
    elem: number;
    fidx: number;
    sub: number;
    /** RECORD_ELEMENT: the record is list element `elem`; RECORD_FINDING: the record is get-findings finding `fidx`. */
    flags: number;
}
const RECORD_ELEMENT = 1;
const RECORD_FINDING = 2;

function labelOf(file: string, loc: Loc): string {
    let s = file;
    if (loc.top === 1) s += `:${loc.line}`;
    else if (loc.top === 2) s += `:${loc.line}:${loc.column}`;
    if (loc.elem >= 0) s += `[${loc.elem}]`;
    if (loc.fidx >= 0) s += ` Findings[${loc.fidx}]`;
    if (loc.sub >= 0) s += ` findings[${loc.sub}]`;
    return s;
}

/** Where classified events and problems go. Reading back (problems undefined) reports nothing again. */
interface Sink {
    file: string;
    out: InputProblems;
    problems?: FileProblems;
    emit(item: ReplayEvent, loc: Loc): void;
}

function problem(sink: Sink, kind: keyof InputProblems, source: string, reason: string): void {
    sink.problems?.add(sink.out[kind], source, reason);
}

/** Collects one file's problems, listing the first few of each kind and counting the rest. */
class FileProblems {
    private readonly counts = new Map<InputProblem[], number>();
    constructor(private readonly file: string, private readonly out: InputProblems) {}

    add(list: InputProblem[], source: string, reason: string): void {
        const n = (this.counts.get(list) ?? 0) + 1;
        this.counts.set(list, n);
        if (n <= MAX_PROBLEMS_PER_FILE) list.push({ source, reason });
    }

    /** Forgets what was added to `list` (its entries are taken back by the caller). */
    forget(list: InputProblem[]): void {
        this.counts.delete(list);
    }

    /** Adds "and N more" lines for what was left off. */
    finish(): void {
        for (const [list, n] of this.counts) {
            if (n > MAX_PROBLEMS_PER_FILE) {
                const kind = list === this.out.unreadable ? "problems" : list === this.out.warnings ? "warnings" : "skipped records";
                list.push({ source: this.file, reason: `and ${n - MAX_PROBLEMS_PER_FILE} more ${kind} in this file (only the first ${MAX_PROBLEMS_PER_FILE} are listed)` });
            }
        }
    }
}

/** Detail types Security Hub sends for other things than imported findings: no rule of this stack matches them. */
const NOT_IMPORTS: Record<string, string> = {
    "Security Hub Findings - Custom Action": "a Custom Action event (sent when someone chooses a custom action on findings in the console), not an import",
    "Security Hub Insight Results": "an Insight Results event (sent for a custom action on an insight: counts, no findings), not an import",
};

/**
 * Why the stack's findings rule can never match a finding that looks real, or undefined. The
 * findings rule matches `Severity.Label` (ASFF) and `status_id` (OCSF); see lib/eventPattern.ts.
 */
export function neverMatchedReason(finding: Record<string, any>, format: "ASFF" | "OCSF"): string | undefined {
    if (format === "ASFF") {
        const severity = finding.Severity;
        if (isObject(severity) && severity.Label === undefined && (severity.Normalized !== undefined || severity.Product !== undefined)) {
            return "2018-style ASFF: Severity.Normalized without Severity.Label; the findings rule matches Severity.Label, so this finding never opens an incident (Security Hub adds Label to what it imports today: re-export it from Security Hub)";
        }
        return undefined;
    }
    if (finding.status_id === undefined) {
        return "OCSF without status_id (as Security Lake stores findings, not as Security Hub sends them): the findings rule matches status_id, so this finding never opens an incident; replay Security Hub's own events or GetFindingsV2 output";
    }
    return undefined;
}

/** A finding (of get-findings output, or a bare finding) as the event Security Hub sends for it, or why not. */
function classifyFinding(finding: unknown, loc: Loc, sink: Sink, depth?: number): void {
    const source = labelOf(sink.file, loc);
    if ((depth ?? nestingDepth(finding, MAX_NESTING)) > MAX_NESTING) {
        problem(sink, "skipped", source, `nested more than ${MAX_NESTING} levels deep; no Security Hub finding is`);
        return;
    }
    const ocsf = isOcsfFinding(finding);
    const found = replayableFinding(finding, ocsf);
    if ("problem" in found) {
        problem(sink, "skipped", source, found.problem);
        return;
    }
    const never = neverMatchedReason(finding as Record<string, any>, found.format);
    if (never) problem(sink, "warnings", source, never);
    sink.emit({ source, event: (ocsf ? eventForOcsfFinding : eventForFinding)(finding as Record<string, any>), findingId: found.id, format: found.format }, loc);
}

/** A bare finding (no event around it): ASFF with Id and AwsAccountId or ProductArn, or OCSF. */
function isBareFinding(value: Record<string, any>): boolean {
    return isOcsfFinding(value) || "SchemaVersion" in value || "ProductArn" in value || ("Id" in value && "AwsAccountId" in value);
}

/** Sorts one parsed JSON value into replayable events, skipped records and warnings. */
function classify(value: unknown, loc: Loc, sink: Sink, topLevel: boolean, depth?: number): void {
    const source = labelOf(sink.file, loc);
    if (Array.isArray(value)) {
        if (!topLevel) {
            problem(sink, "skipped", source, "a list inside a list; expected an event, a finding or get-findings output");
            return;
        }
        if (value.length === 0) problem(sink, "skipped", source, "an empty list: no events");
        value.forEach((item, i) => classify(item, { ...loc, elem: i }, sink, false));
        return;
    }
    if (isObject(value) && "Findings" in value && !("detail-type" in value)) {
        if (!Array.isArray(value.Findings)) {
            problem(sink, "skipped", source, `Findings is ${kindOf(value.Findings)}, not a list of findings`);
            return;
        }
        if (value.Findings.length === 0) problem(sink, "skipped", source, "get-findings output with no findings");
        // GetFindings returns ASFF findings, GetFindingsV2 OCSF documents, both in `Findings`: each
        // finding is told by its own fields (lib/ocsf.ts isOcsfFinding), and checked on its own.
        const shallow = depth !== undefined && depth <= MAX_NESTING;
        value.Findings.forEach((finding: unknown, i: number) => classifyFinding(finding, { ...loc, fidx: i }, sink, shallow ? 0 : undefined));
        return;
    }
    if ((depth !== undefined && depth <= MAX_NESTING ? depth : nestingDepth(value, MAX_NESTING)) > MAX_NESTING) {
        problem(sink, "skipped", source, `nested more than ${MAX_NESTING} levels deep; no Security Hub event is`);
        return;
    }
    if (isObject(value) && !("detail-type" in value) && isBareFinding(value)) {
        classifyFinding(value, loc, sink, 0);
        return;
    }
    if (!isObject(value) || typeof value["detail-type"] !== "string" || typeof value.source !== "string" || !isObject(value.detail)) {
        problem(sink, "skipped", source, "not an EventBridge event (detail-type, source, detail), a finding, nor get-findings output ({\"Findings\": [...]})");
        return;
    }
    const findings = value.detail.findings;
    const ocsf = value["detail-type"] === OCSF_EVENT_DETAIL_TYPE;
    if (value["detail-type"] !== EVENT_DETAIL_TYPE && !ocsf) {
        // Another kind of event: the rule's pattern decides (it filters it out by detail-type).
        const notImport = NOT_IMPORTS[value["detail-type"]];
        if (notImport && value.source === EVENT_SOURCE) problem(sink, "warnings", source, `${notImport}: the findings rule matches "${EVENT_DETAIL_TYPE}" and "${OCSF_EVENT_DETAIL_TYPE}" only, so it never opens an incident`);
        const first = Array.isArray(findings) && isObject(findings[0]) && typeof findings[0].Id === "string" ? findings[0].Id : undefined;
        sink.emit({ source, event: value, findingId: first }, loc);
        return;
    }
    if (!Array.isArray(findings)) {
        problem(sink, "skipped", source, findings === undefined ? "the event has no detail.findings" : `detail.findings is ${kindOf(findings)}, not a list`);
        return;
    }
    if (findings.length === 0) {
        problem(sink, "skipped", source, "the event has no detail.findings[0] (the list is empty)");
        return;
    }
    const one = (finding: unknown, event: Record<string, any>, at: Loc) => {
        const where = labelOf(sink.file, at);
        const found = replayableFinding(finding, ocsf);
        if ("problem" in found) {
            problem(sink, "skipped", where, found.problem);
            return;
        }
        const never = neverMatchedReason(finding as Record<string, any>, found.format);
        if (never) problem(sink, "warnings", where, never);
        sink.emit({ source: where, event, findingId: found.id, format: found.format }, at);
    };
    if (findings.length === 1) {
        one(findings[0], value, loc);
        return;
    }
    // Security Hub sends one finding per event. The rule's pattern would match such an event when
    // any finding matches, while the workflow reads only the first: replay one event per finding.
    problem(sink, "warnings", source, `the event holds ${findings.length} findings; Security Hub sends one per event, so each finding is replayed as its own event (findings[0] to findings[${findings.length - 1}])`);
    findings.forEach((finding: unknown, j: number) => one(finding, { ...value, detail: { ...value.detail, findings: [finding] } }, { ...loc, sub: j }));
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
    let line = 1;
    let lineStart = 0;
    for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
        line++;
        lineStart = i + 1;
    }
    return { line, column: offset - lineStart + 1 };
}

function shown(text: string, at: number): string {
    if (at >= text.length) return "the end of the file";
    const c = String.fromCodePoint(text.codePointAt(at)!);
    return `"${escapeControls(c)}"`;
}

/**
 * Where and why `text` is not JSON, found by a small scanner (JSON.parse's messages differ between
 * Node versions and quote the input). Returns undefined when the scanner finds nothing wrong.
 */
export function jsonSyntaxError(text: string): { offset: number; reason: string } | undefined {
    const n = text.length;
    let i = 0;
    const stack: string[] = [];
    // What may come next: a value, a value or "]", a key, a key or "}", or what follows a value.
    let expect: "value" | "valueOrEnd" | "key" | "keyOrEnd" | "after" = "value";
    const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    const truncated = () => ({ offset: n, reason: "the file ends before the JSON document does (truncated?)" });
    const skipSpace = () => {
        while (i < n) {
            const c = text.charCodeAt(i);
            if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
            else break;
        }
    };
    const readString = (): { offset: number; reason: string } | undefined => {
        i++;
        while (i < n) {
            const c = text.charCodeAt(i);
            if (c === 0x22) {
                i++;
                return undefined;
            }
            if (c === 0x5c) {
                const e = text[i + 1];
                if (e === "u") {
                    if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return { offset: i, reason: "a \\u escape needs four hexadecimal digits" };
                    i += 6;
                } else if (e !== undefined && "\"\\/bfnrt".includes(e)) i += 2;
                else if (e === undefined) return truncated();
                else return { offset: i, reason: `${shown(text, i + 1)} cannot follow a backslash in a string` };
                continue;
            }
            if (c < 0x20) return { offset: i, reason: `a control character (${shown(text, i)}) inside a string; it must be escaped, and a string cannot span lines` };
            i++;
        }
        return truncated();
    };
    for (;;) {
        skipSpace();
        if (expect === "after") {
            if (stack.length === 0) return i < n ? { offset: i, reason: `${shown(text, i)} after the end of the JSON document (one .json file holds one document; name the file .jsonl for JSON Lines)` } : undefined;
            if (i >= n) return truncated();
            const close = stack[stack.length - 1];
            const c = text[i];
            if (c === ",") {
                i++;
                expect = close === "]" ? "value" : "key";
            } else if (c === close) {
                i++;
                stack.pop();
            } else return { offset: i, reason: `expected "," or "${close}" but found ${shown(text, i)}` };
            continue;
        }
        if (i >= n) return stack.length > 0 ? truncated() : { offset: i, reason: "no JSON value" };
        const c = text[i];
        if (expect === "key" || expect === "keyOrEnd") {
            if (c === "}" && expect === "keyOrEnd") {
                i++;
                stack.pop();
                expect = "after";
                continue;
            }
            if (c === "}") return { offset: i, reason: "a comma before \"}\" (JSON allows no trailing comma)" };
            if (c !== "\"") return { offset: i, reason: `expected a property name in double quotes but found ${shown(text, i)}` };
            const bad = readString();
            if (bad) return bad;
            skipSpace();
            if (i >= n) return truncated();
            if (text[i] !== ":") return { offset: i, reason: `expected ":" after the property name but found ${shown(text, i)}` };
            i++;
            expect = "value";
            continue;
        }
        if (c === "]" && expect === "valueOrEnd") {
            i++;
            stack.pop();
            expect = "after";
            continue;
        }
        if (c === "]" && stack[stack.length - 1] === "]") return { offset: i, reason: "a comma before \"]\" (JSON allows no trailing comma)" };
        expect = "after";
        if (c === "{") {
            stack.push("}");
            i++;
            expect = "keyOrEnd";
        } else if (c === "[") {
            stack.push("]");
            i++;
            expect = "valueOrEnd";
        } else if (c === "\"") {
            const bad = readString();
            if (bad) return bad;
        } else if (text.startsWith("true", i) || text.startsWith("null", i)) i += 4;
        else if (text.startsWith("false", i)) i += 5;
        else {
            number.lastIndex = i;
            const m = number.exec(text);
            if (!m || m[0] === "-") return { offset: i, reason: `expected a JSON value but found ${shown(text, i)}` };
            i += m[0].length;
        }
    }
}

function firstInvalidUtf8(buf: Buffer): number {
    let i = 0;
    while (i < buf.length) {
        const b = buf[i];
        let need = 0;
        let min = 0x80;
        let max = 0xbf;
        if (b < 0x80) { i++; continue; }
        if (b >= 0xc2 && b <= 0xdf) need = 1;
        else if (b >= 0xe0 && b <= 0xef) { need = 2; if (b === 0xe0) min = 0xa0; if (b === 0xed) max = 0x9f; }
        else if (b >= 0xf0 && b <= 0xf4) { need = 3; if (b === 0xf0) min = 0x90; if (b === 0xf4) max = 0x8f; }
        else return i;
        for (let k = 1; k <= need; k++) {
            const c = buf[i + k];
            if (c === undefined || c < (k === 1 ? min : 0x80) || c > (k === 1 ? max : 0xbf)) return i;
        }
        i += need + 1;
    }
    return -1;
}


/** How a record is parsed: its bytes as UTF-8 text (checked by the scanner), then JSON.parse. */
function parseRecord(bytes: Buffer): unknown {
    return JSON.parse(bytes.toString("utf8"));
}

function tooLarge(length: number): string {
    return `is ${Math.round(length / 1048576)} MB; no Security Hub event or finding comes close (EventBridge events are at most 256 KB), so it is skipped`;
}

/** The base location of a scanned record. */
function recordLoc(file: number, span: Span, top: number, extra: Partial<Loc> = {}): Loc {
    return { file, start: span.offset, length: span.end - span.offset, top, line: span.line, column: span.column, elem: -1, fidx: -1, sub: -1, flags: 0, ...extra };
}

/** Classifies one scanned record (read from the window), or skips it when it is too large. */
function classifySpan(win: FileWindow, loc: Loc, sink: Sink, depth: number, kind: "value" | "finding", topLevel: boolean): void {
    if (loc.length > MAX_RECORD_BYTES) {
        problem(sink, "skipped", labelOf(sink.file, loc), tooLarge(loc.length));
        return;
    }
    if (kind === "finding" && depth > MAX_NESTING) {
        // Not even parsed: a deep record costs nothing but this line.
        problem(sink, "skipped", labelOf(sink.file, loc), `nested more than ${MAX_NESTING} levels deep; no Security Hub finding is`);
        return;
    }
    const value = parseRecord(win.read(loc.start, loc.start + loc.length));
    if (kind === "finding") classifyFinding(value, loc, sink, depth);
    else classify(value, loc, sink, topLevel, depth);
}

/** Scans a .json file: one document, several (JSON Lines, `{…}{…}`), lists, get-findings output. */
function* jsonFile(win: FileWindow, fileIndex: number, sink: Sink, queue: Array<[ReplayEvent, Loc]>): Generator<[ReplayEvent, Loc]> {
    let previousLine = 0;
    let values = 0;
    for (const item of scanJson(win)) {
        if (item.type === "element") {
            const top = item.top.ordinal === 0 ? 0 : item.top.line === previousLine ? 2 : 1;
            const loc = recordLoc(fileIndex, item.span, top, { line: item.top.line, column: item.top.column, elem: item.index, flags: RECORD_ELEMENT });
            classifySpan(win, loc, sink, item.span.depth, "value", false);
            yield* queue.splice(0);
            continue;
        }
        values++;
        const top = item.ordinal === 0 && !item.followed ? 0 : item.span.line === previousLine ? 2 : 1;
        previousLine = item.span.line;
        const loc = recordLoc(fileIndex, item.span, top);
        if (item.kind === "array") {
            if (item.elements === 0) problem(sink, "skipped", labelOf(sink.file, loc), "an empty list: no events");
            continue;
        }
        if (item.kind === "object" && item.findings !== undefined && !item.detailType) {
            if (typeof item.findings === "string") problem(sink, "skipped", labelOf(sink.file, loc), `Findings is ${item.findings}, not a list of findings`);
            else if (item.findings.length === 0) problem(sink, "skipped", labelOf(sink.file, loc), "get-findings output with no findings");
            else {
                for (const [i, span] of item.findings.entries()) {
                    classifySpan(win, recordLoc(fileIndex, span, top, { line: item.span.line, column: item.span.column, fidx: i, flags: RECORD_FINDING }), sink, span.depth, "finding", false);
                    yield* queue.splice(0);
                }
            }
            continue;
        }
        classifySpan(win, loc, sink, item.span.depth, "value", true);
        yield* queue.splice(0);
    }
    if (values === 0) problem(sink, "skipped", sink.file, "the file is empty: it holds no events");
}

/** Calls `fn` with each line's bytes (without its newline), 1-based number and start offset. */
function* lines(win: FileWindow): Generator<[Buffer, number, number]> {
    let start = win.textStart;
    let number = 1;
    let pieces: Buffer[] = [];
    let scanned = start;
    for (;;) {
        const at = win.buf.subarray(scanned - win.base, win.n).indexOf(0x0a);
        if (at === -1) {
            if (win.base + win.n - start > win.buf.length / 2) {
                // A long line: keep what was read of it and read on.
                pieces.push(Buffer.from(win.read(Math.max(start, win.base), win.base + win.n)));
                scanned = win.base + win.n;
                if (!win.fill(scanned, scanned)) break;
                continue;
            }
            scanned = win.base + win.n;
            if (!win.fill(scanned, start)) break;
            continue;
        }
        const end = scanned + at;
        const from = pieces.length > 0 ? win.base : start;
        const tail = win.read(from, end);
        const bytes = pieces.length > 0 ? Buffer.concat([...pieces, tail]) : tail;
        pieces = [];
        yield [bytes, number, start];
        number++;
        start = scanned = end + 1;
    }
    const rest = pieces.length > 0 ? Buffer.concat([...pieces, win.read(Math.max(start, win.base), win.base + win.n)]) : win.read(start, win.base + win.n);
    if (rest.length > 0) yield [rest, number, start];
}

function isBlank(bytes: Buffer): boolean {
    for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
    return true;
}

/** Reads a .jsonl file: every non-empty line one JSON value. */
function* jsonLinesFile(win: FileWindow, file: string, fileIndex: number, sink: Sink, queue: Array<[ReplayEvent, Loc]>): Generator<[ReplayEvent, Loc]> {
    let values = 0;
    let failures = 0;
    const listedBefore = sink.out.unreadable.length;
    for (const [bytes, number, start] of lines(win)) {
        if (isBlank(bytes)) continue;
        values++;
        if (!isUtf8(bytes)) {
            const bad = firstInvalidUtf8(bytes);
            const column = bytes.subarray(0, bad).toString("utf8").length + 1;
            throw new EncodingError(`is not UTF-8 text: byte 0x${bytes[bad].toString(16).padStart(2, "0")} at line ${number}, column ${column} (byte ${start + bad}); save it as UTF-8`);
        }
        const text = bytes.toString("utf8");
        let value: unknown;
        try {
            value = JSON.parse(text);
        } catch (err) {
            failures++;
            const found = jsonSyntaxError(text);
            const column = found ? lineAndColumn(text, found.offset).column : 1;
            problem(sink, "unreadable", `${sink.file}:${number}:${column}`, `not JSON: ${found ? found.reason : escapeControls((err as Error).message)}`);
            continue;
        }
        if (bytes.length > MAX_RECORD_BYTES) {
            problem(sink, "skipped", `${sink.file}:${number}`, tooLarge(bytes.length));
            continue;
        }
        classify(value, { file: fileIndex, start, length: bytes.length, top: 1, line: number, column: 1, elem: -1, fidx: -1, sub: -1, flags: 0 }, sink, true);
        yield* queue.splice(0);
    }
    if (values === 0) problem(sink, "skipped", sink.file, "the file is empty: it holds no events");
    if (failures > 0 && isOneDocument(file)) {
        sink.out.unreadable.splice(listedBefore);
        sink.problems?.forget(sink.out.unreadable);
        sink.out.unreadable.push({ source: sink.file, reason: "is one JSON document over several lines, not JSON Lines (one event per line); name it .json" });
    }
}

/** Whether the file holds exactly one JSON value (a .jsonl file written as one indented document). */
function isOneDocument(file: string): boolean {
    let win: FileWindow | undefined;
    try {
        win = new FileWindow(file);
        let tops = 0;
        for (const item of scanJson(win)) if (item.type === "top" && (++tops > 1 || item.followed)) return false;
        return tops === 1;
    } catch {
        return false;
    } finally {
        win?.close();
    }
}

/** Input files: .json or .jsonl, in any letter case. */
export const INPUT_FILE = /\.jsonl?$/i;

/** Reads one file, yielding its events in file order; problems go to `out` (listed per file). */
function* readFile(file: string, fileIndex: number, out: InputProblems): Generator<[ReplayEvent, Loc]> {
    const shownFile = escapeControls(file);
    const problems = new FileProblems(shownFile, out);
    const queue: Array<[ReplayEvent, Loc]> = [];
    const sink: Sink = { file: shownFile, out, problems, emit: (item, loc) => queue.push([item, loc]) };
    let win: FileWindow;
    try {
        const stat = fs.statSync(file);
        const special = specialKind(stat);
        if (special) {
            out.unreadable.push({ source: shownFile, reason: `is ${special}, not a regular file; save the findings to a file first` });
            return;
        }
        win = new FileWindow(file);
    } catch (err) {
        if (err instanceof EncodingError) out.unreadable.push({ source: shownFile, reason: err.message });
        else out.unreadable.push({ source: shownFile, reason: `cannot be read: ${fsReason(err)}` });
        return;
    }
    try {
        if (/\.jsonl$/i.test(file)) yield* jsonLinesFile(win, file, fileIndex, sink, queue);
        else yield* jsonFile(win, fileIndex, sink, queue);
    } catch (err) {
        if (err instanceof JsonScanError) out.unreadable.push({ source: `${shownFile}:${err.at.line}:${err.at.column}`, reason: `not JSON: ${err.reason}` });
        else if (err instanceof EncodingError) out.unreadable.push({ source: shownFile, reason: err.message });
        else out.unreadable.push({ source: shownFile, reason: `cannot be read: ${fsReason(err)}` });
    } finally {
        win.close();
        problems.finish();
    }
}

/** Every input file of a directory and the directories below it, by path; symlinked directories once. */
function inputFiles(dir: string, seen: Set<string>, out: InputProblems): string[] {
    let real: string;
    try {
        real = fs.realpathSync(dir);
    } catch (err) {
        out.unreadable.push({ source: escapeControls(dir), reason: `cannot be listed: ${fsReason(err)}` });
        return [];
    }
    if (seen.has(real)) return [];
    seen.add(real);
    let entries: fs.Dirent[];
    try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
        out.unreadable.push({ source: escapeControls(dir), reason: `cannot be listed: ${fsReason(err)}` });
        return [];
    }
    const files: string[] = [];
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const p = path.join(dir, entry.name);
        let isDirectory = entry.isDirectory();
        if (entry.isSymbolicLink()) {
            try {
                isDirectory = fs.statSync(p).isDirectory();
            } catch {
                isDirectory = false; // a dangling link or a loop: reported when read, if it is named like input
            }
        }
        if (isDirectory) files.push(...inputFiles(p, seen, out));
        else if (INPUT_FILE.test(entry.name)) files.push(p);
    }
    return files;
}

/** The files to read, in order: each path given, a directory as its input files below it (problems reported in that order too). */
function* inputPathsOf(paths: string[], baseDir: string, out: InputProblems): Generator<string> {
    for (const given of paths) {
        const p = path.resolve(baseDir, given);
        let stat: fs.Stats;
        try {
            stat = fs.statSync(p);
        } catch (err) {
            out.unreadable.push({ source: escapeControls(p), reason: fsReason(err) });
            continue;
        }
        if (stat.isDirectory()) {
            const found = inputFiles(p, new Set(), out);
            if (found.length === 0) out.unreadable.push({ source: escapeControls(p), reason: "the directory holds no .json or .jsonl file (directories below it included)" });
            yield* found;
        } else yield p;
    }
}

function* allEvents(paths: string[], baseDir: string, out: InputProblems): Generator<[ReplayEvent, Loc, string[]]> {
    const files: string[] = [];
    for (const file of inputPathsOf(paths, baseDir, out)) {
        files.push(file);
        for (const [item, loc] of readFile(file, files.length - 1, out)) yield [item, loc, files];
    }
}

/**
 * Reads files and directories (every .json and .jsonl file in them and below them, by path) in the
 * order given, all into memory. Relative paths are resolved from `baseDir`; messages name the resolved path.
 */
export function readFindingInputs(paths: string[], baseDir: string = process.cwd()): FindingInputs {
    const out: FindingInputs = { events: [], skipped: [], warnings: [], unreadable: [] };
    let index = 0;
    for (const file of inputPathsOf(paths, baseDir, out)) {
        const [events, unreadable] = [out.events.length, out.unreadable.length];
        for (const [item] of readFile(file, index++, out)) out.events.push(item);
        // A file that turned out unreadable gives no events (the replay does not run anyway).
        if (out.unreadable.length > unreadable) out.events.length = events;
    }
    return out;
}

/**
 * The input's events in file order, one at a time (nothing else is kept). `problems` is filled as
 * the files are read: complete once the iteration ends.
 */
export async function* streamFindingInputs(paths: string[], baseDir: string = process.cwd(), problems: InputProblems = { skipped: [], warnings: [], unreadable: [] }): AsyncGenerator<ReplayEvent> {
    for (const [item] of allEvents(paths, baseDir, problems)) yield item;
}

/** When an event happened, for ordering one finding's events: its time, else its finding's UpdatedAt (ASFF) or time_dt (OCSF). */
export function eventMillis(event: Record<string, any>): number {
    const finding = event.detail?.findings?.[0];
    const millis = Date.parse(event.time ?? finding?.UpdatedAt ?? finding?.time_dt);
    return Number.isNaN(millis) ? NaN : millis;
}

const byTimeThenOrder = (ta: number, oa: number, tb: number, ob: number) => (ta - tb) || oa - ob;

/** A ReplaySource over events held in memory (benchmarks, tests). */
export function eventsSource(events: ReplayEvent[]): ReplaySource {
    const queues = new Map<string, Array<{ order: number; item: ReplayEvent; millis: number }>>();
    events.forEach((item, order) => {
        const key = item.findingId ?? `#${order}`;
        let queue = queues.get(key);
        if (!queue) queues.set(key, queue = []);
        queue.push({ order, item, millis: eventMillis(item.event) });
    });
    const list = [...queues.values()].map(queue => {
        queue.sort((a, b) => byTimeThenOrder(a.millis, a.order, b.millis, b.order));
        return { firstOrder: queue.reduce((m, e) => Math.min(m, e.order), Infinity), events: queue.length, queue };
    });
    list.sort((a, b) => byTimeThenOrder(a.queue[0].millis, a.queue[0].order, b.queue[0].millis, b.queue[0].order));
    return {
        events: events.length,
        findings: () => list,
        eventsOf: finding => (finding as typeof list[number]).queue,
    };
}

/** Growable columns of numbers (one per event). */
class Column<T extends Float64Array | Int32Array> {
    data: T;
    constructor(private readonly make: (n: number) => T) {
        this.data = make(1024);
    }
    set(i: number, v: number): void {
        if (i >= this.data.length) {
            const bigger = this.make(this.data.length * 2);
            bigger.set(this.data);
            this.data = bigger;
        }
        this.data[i] = v;
    }
}

const f64 = () => new Column(n => new Float64Array(n));
const i32 = () => new Column(n => new Int32Array(n));

interface IndexedFinding extends ReplayFinding {
    key: number;
}

/**
 * The index pass's result: per event a few numbers (where it is, which finding, when), read back
 * from the files finding by finding, in time order. Nothing of an event is kept but these numbers.
 */
export class IndexedInput implements ReplaySource {
    /** Events read (before `limit`). */
    count = 0;
    private readonly start = f64();
    private readonly time = f64();
    private readonly cols = { file: i32(), length: i32(), top: i32(), line: i32(), column: i32(), elem: i32(), fidx: i32(), sub: i32(), flags: i32(), key: i32() };
    private readonly keys = new Map<string, number>();
    private nextKey = 0;
    private maxKeys = Infinity;
    private windows = new Map<number, FileWindow>();
    files: string[] = [];
    /** Distinct findings per format and product name as the findings rule reads it (`(none)` without one), in order of first sight. */
    readonly products = new Map<string, { format: "ASFF" | "OCSF"; product: string; findings: number }>();

    add(item: ReplayEvent, loc: Loc): void {
        const i = this.count++;
        let key = item.findingId === undefined ? undefined : this.keys.get(item.findingId);
        if (key === undefined) {
            key = this.nextKey++;
            if (item.findingId !== undefined) {
                this.keys.set(item.findingId, key);
                if (item.format !== undefined) {
                    const product = productNameOf(item.event.detail?.findings?.[0], item.format) ?? "(none)";
                    const tally = this.products.get(`${item.format}|${product}`) ?? { format: item.format, product, findings: 0 };
                    tally.findings++;
                    this.products.set(`${item.format}|${product}`, tally);
                }
            }
        }
        this.start.set(i, loc.start);
        this.time.set(i, eventMillis(item.event));
        const c = this.cols;
        c.file.set(i, loc.file); c.length.set(i, loc.length); c.top.set(i, loc.top); c.line.set(i, loc.line); c.column.set(i, loc.column);
        c.elem.set(i, loc.elem); c.fidx.set(i, loc.fidx); c.sub.set(i, loc.sub); c.flags.set(i, loc.flags); c.key.set(i, key);
    }

    /** Keeps only the first `n` findings in input order (`--limit`). */
    limit(n: number): void {
        this.maxKeys = n;
        this.sorted = undefined;
    }

    /** How many distinct findings (events without a finding id count one each). */
    get findingCount(): number {
        return Math.min(this.nextKey, this.maxKeys);
    }

    private sorted?: { order: Uint32Array; list: Array<IndexedFinding & { offset: number }> };

    private sort() {
        if (this.sorted) return this.sorted;
        const keys = this.cols.key.data;
        const time = this.time.data;
        const k = this.findingCount;
        const counts = new Uint32Array(k + 1);
        let kept = 0;
        for (let i = 0; i < this.count; i++) if (keys[i] < k) { counts[keys[i] + 1]++; kept++; }
        for (let f = 0; f < k; f++) counts[f + 1] += counts[f];
        const offsets = counts.slice(0, k);
        const order = new Uint32Array(kept);
        const fill = offsets.slice();
        for (let i = 0; i < this.count; i++) if (keys[i] < k) order[fill[keys[i]]++] = i;
        const list: Array<IndexedFinding & { offset: number }> = [];
        for (let f = 0; f < k; f++) {
            const from = offsets[f];
            const to = f + 1 < k ? offsets[f + 1] : kept;
            const firstOrder = order[from];
            if (to - from > 1) order.subarray(from, to).sort((a, b) => byTimeThenOrder(time[a], a, time[b], b));
            list.push({ key: f, offset: from, events: to - from, firstOrder });
        }
        list.sort((a, b) => byTimeThenOrder(time[order[a.offset]], order[a.offset], time[order[b.offset]], order[b.offset]));
        this.sorted = { order, list };
        return this.sorted;
    }

    /** Events replayed (after `limit`). */
    get events(): number {
        return this.maxKeys === Infinity ? this.count : this.sort().order.length;
    }

    findings(): ReplayFinding[] {
        return this.sort().list;
    }

    eventsOf(finding: ReplayFinding): Array<{ order: number; item: ReplayEvent }> {
        const { order } = this.sort();
        const f = finding as IndexedFinding & { offset: number };
        const out: Array<{ order: number; item: ReplayEvent }> = [];
        for (let k = f.offset; k < f.offset + f.events; k++) out.push({ order: order[k], item: this.readBack(order[k]) });
        return out;
    }

    /** Reads event `i` back from its file: its record parsed and classified again, this event picked. */
    private readBack(i: number): ReplayEvent {
        const c = this.cols;
        const file = c.file.data[i];
        let win = this.windows.get(file);
        if (!win) {
            win = new FileWindow(this.files[file], 64 * 1024);
            this.windows.set(file, win);
        }
        const flags = c.flags.data[i];
        const loc: Loc = {
            file, start: this.start.data[i], length: c.length.data[i], top: c.top.data[i], line: c.line.data[i], column: c.column.data[i],
            elem: flags & RECORD_ELEMENT ? c.elem.data[i] : -1, fidx: flags & RECORD_FINDING ? c.fidx.data[i] : -1, sub: -1, flags,
        };
        const want = [c.elem.data[i], c.fidx.data[i], c.sub.data[i]];
        let found: ReplayEvent | undefined;
        const sink: Sink = {
            file: escapeControls(this.files[file]),
            out: { skipped: [], warnings: [], unreadable: [] },
            emit: (item, at) => {
                if (at.elem === want[0] && at.fidx === want[1] && at.sub === want[2]) found = item;
            },
        };
        const value = parseRecord(win.read(loc.start, loc.start + loc.length));
        if (flags & RECORD_FINDING) classifyFinding(value, loc, sink, 0);
        else classify(value, loc, sink, (flags & RECORD_ELEMENT) === 0, 0);
        if (!found) throw new Error(`${sink.file}: the event at byte ${loc.start} reads back differently (was the file changed during the replay?)`);
        return found;
    }

    close(): void {
        for (const win of this.windows.values()) win.close();
        this.windows.clear();
    }
}

/** The index pass over the input (see the file's header): a ReplaySource, and what reading found. */
export function indexFindingInputs(paths: string[], baseDir: string = process.cwd()): InputProblems & { input: IndexedInput } {
    const out: InputProblems = { skipped: [], warnings: [], unreadable: [] };
    const input = new IndexedInput();
    for (const [item, loc, files] of allEvents(paths, baseDir, out)) {
        input.files = files;
        input.add(item, loc);
    }
    return { ...out, input };
}
