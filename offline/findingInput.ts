import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { isUtf8 } from "buffer";
import { EVENT_DETAIL_TYPE, EVENT_SOURCE, OCSF_EVENT_DETAIL_TYPE } from "../lib/eventPattern";
import { isOcsfFinding, OCSF_FINDING_PATHS, ocsfString, ocsfValue } from "../lib/ocsf";
import { fsReason, specialKind } from "./fsMessages";
import { escapeControls } from "./safeText";

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

export interface FindingInputs {
    events: ReplayEvent[];
    /** Records that are JSON but not something to replay, and files with no events (skipped, reported). */
    skipped: InputProblem[];
    /** Input that is replayed differently from how it was written (an event split per finding). */
    warnings: InputProblem[];
    /** Files that cannot be read as JSON or JSON Lines (the replay does not run). */
    unreadable: InputProblem[];
}

/** At most this many problems of one kind are listed per file; the rest are counted. */
export const MAX_PROBLEMS_PER_FILE = 10;
/** Larger files are refused (a JavaScript string holds at most about 512 M characters). */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;
/** Records nested deeper than this are skipped: no Security Hub finding comes close. */
export const MAX_NESTING = 100;

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

/** Collects one file's problems, listing the first few of each kind and counting the rest. */
class FileProblems {
    private readonly counts = new Map<InputProblem[], number>();
    constructor(private readonly file: string, private readonly out: FindingInputs) {}

    add(list: InputProblem[], source: string, reason: string): void {
        const n = (this.counts.get(list) ?? 0) + 1;
        this.counts.set(list, n);
        if (n <= MAX_PROBLEMS_PER_FILE) list.push({ source, reason });
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

/** Sorts one parsed JSON value into replayable events, skipped records and warnings. */
function classify(value: unknown, source: string, out: FindingInputs, problems: FileProblems, topLevel: boolean): void {
    if (Array.isArray(value)) {
        if (!topLevel) {
            problems.add(out.skipped, source, "a list inside a list; expected an event or get-findings output");
            return;
        }
        if (value.length === 0) problems.add(out.skipped, source, "an empty list: no events");
        value.forEach((item, i) => classify(item, `${source}[${i}]`, out, problems, false));
        return;
    }
    if (nestingDepth(value, MAX_NESTING) > MAX_NESTING) {
        problems.add(out.skipped, source, `nested more than ${MAX_NESTING} levels deep; no Security Hub event is`);
        return;
    }
    if (isObject(value) && "Findings" in value && !("detail-type" in value)) {
        if (!Array.isArray(value.Findings)) {
            problems.add(out.skipped, source, `Findings is ${kindOf(value.Findings)}, not a list of findings`);
            return;
        }
        if (value.Findings.length === 0) problems.add(out.skipped, source, "get-findings output with no findings");
        // GetFindings returns ASFF findings, GetFindingsV2 OCSF documents, both in `Findings`: each
        // finding is told by its own fields (lib/ocsf.ts isOcsfFinding).
        value.Findings.forEach((finding: unknown, i: number) => {
            const where = `${source} Findings[${i}]`;
            const ocsf = isOcsfFinding(finding);
            const found = replayableFinding(finding, ocsf);
            if ("problem" in found) problems.add(out.skipped, where, found.problem);
            else out.events.push({ source: where, event: (ocsf ? eventForOcsfFinding : eventForFinding)(finding as Record<string, any>), findingId: found.id, format: found.format });
        });
        return;
    }
    if (!isObject(value) || typeof value["detail-type"] !== "string" || typeof value.source !== "string" || !isObject(value.detail)) {
        problems.add(out.skipped, source, "not an EventBridge event (detail-type, source, detail) nor get-findings output ({\"Findings\": [...]})");
        return;
    }
    const findings = value.detail.findings;
    const ocsf = value["detail-type"] === OCSF_EVENT_DETAIL_TYPE;
    if (value["detail-type"] !== EVENT_DETAIL_TYPE && !ocsf) {
        // Another kind of event: the rule's pattern decides (it filters it out by detail-type).
        const first = Array.isArray(findings) && isObject(findings[0]) && typeof findings[0].Id === "string" ? findings[0].Id : undefined;
        out.events.push({ source, event: value, findingId: first });
        return;
    }
    if (!Array.isArray(findings)) {
        problems.add(out.skipped, source, findings === undefined ? "the event has no detail.findings" : `detail.findings is ${kindOf(findings)}, not a list`);
        return;
    }
    if (findings.length === 0) {
        problems.add(out.skipped, source, "the event has no detail.findings[0] (the list is empty)");
        return;
    }
    if (findings.length === 1) {
        const found = replayableFinding(findings[0], ocsf);
        if ("problem" in found) problems.add(out.skipped, source, found.problem);
        else out.events.push({ source, event: value, findingId: found.id, format: found.format });
        return;
    }
    // Security Hub sends one finding per event. The rule's pattern would match such an event when
    // any finding matches, while the workflow reads only the first: replay one event per finding.
    problems.add(out.warnings, source, `the event holds ${findings.length} findings; Security Hub sends one per event, so each finding is replayed as its own event (findings[0] to findings[${findings.length - 1}])`);
    findings.forEach((finding: unknown, j: number) => {
        const where = `${source} findings[${j}]`;
        const found = replayableFinding(finding, ocsf);
        if ("problem" in found) problems.add(out.skipped, where, found.problem);
        else out.events.push({ source: where, event: { ...value, detail: { ...value.detail, findings: [finding] } }, findingId: found.id, format: found.format });
    });
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

/** The reason JSON.parse refused `text`, with line and column: `line:column: reason`. */
function whereNotJson(text: string, err: unknown): { line: number; column: number; reason: string } {
    const found = jsonSyntaxError(text);
    if (found) return { ...lineAndColumn(text, found.offset), reason: found.reason };
    return { line: 1, column: 1, reason: escapeControls((err as Error).message) };
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

/** The file's text, or why it is not UTF-8 text (one line). A UTF-8 byte-order mark is dropped. */
function decode(buf: Buffer): { text: string } | { problem: string } {
    const starts = (...bytes: number[]) => bytes.every((b, k) => buf[k] === b);
    if (starts(0x00, 0x00, 0xfe, 0xff) || starts(0xff, 0xfe, 0x00, 0x00)) return { problem: "is UTF-32 text (byte-order mark); save it as UTF-8" };
    if (starts(0xfe, 0xff) || starts(0xff, 0xfe)) return { problem: "is UTF-16 text (byte-order mark); save it as UTF-8" };
    if (starts(0x1f, 0x8b)) return { problem: "is gzip-compressed; decompress it first" };
    const start = starts(0xef, 0xbb, 0xbf) ? 3 : 0;
    const nul = buf.indexOf(0, start);
    if (nul !== -1) {
        // ASCII saved as UTF-16 has a NUL beside every character.
        const sample = buf.subarray(start, start + 64);
        const nuls = sample.filter(b => b === 0).length;
        if (sample.length >= 4 && nuls * 2 >= sample.length - 1) return { problem: "looks like UTF-16 text without a byte-order mark (NUL bytes between the characters); save it as UTF-8" };
        return { problem: `holds NUL bytes (the first at byte ${nul}): binary data, not JSON text` };
    }
    if (!isUtf8(buf.subarray(start))) {
        const bad = firstInvalidUtf8(buf.subarray(start)) + start;
        const before = buf.subarray(start, bad).toString("utf8");
        const { line, column } = lineAndColumn(before, before.length);
        return { problem: `is not UTF-8 text: byte 0x${buf[bad].toString(16).padStart(2, "0")} at line ${line}, column ${column} (byte ${bad}); save it as UTF-8` };
    }
    return { text: buf.toString("utf8", start) };
}

function readFile(file: string, out: FindingInputs): void {
    const shownFile = escapeControls(file);
    const problems = new FileProblems(shownFile, out);
    let buf: Buffer;
    try {
        const stat = fs.statSync(file);
        const special = specialKind(stat);
        if (special) {
            out.unreadable.push({ source: shownFile, reason: `is ${special}, not a regular file; save the findings to a file first` });
            return;
        }
        if (stat.isDirectory()) {
            out.unreadable.push({ source: shownFile, reason: "is a directory inside the directory given (directories are not read recursively)" });
            return;
        }
        if (stat.size > MAX_FILE_BYTES) {
            out.unreadable.push({ source: shownFile, reason: `is ${Math.round(stat.size / 1048576)} MB; files over ${MAX_FILE_BYTES / 1048576} MB are not read (split it)` });
            return;
        }
        buf = fs.readFileSync(file);
    } catch (err) {
        out.unreadable.push({ source: shownFile, reason: `cannot be read: ${fsReason(err)}` });
        return;
    }
    const decoded = decode(buf);
    if ("problem" in decoded) {
        out.unreadable.push({ source: shownFile, reason: decoded.problem });
        return;
    }
    const text = decoded.text;
    if (text.trim() === "") {
        out.skipped.push({ source: shownFile, reason: "the file is empty: it holds no events" });
        return;
    }
    const jsonLines = /\.jsonl$/i.test(file);
    if (!jsonLines) {
        let value: unknown;
        try {
            value = JSON.parse(text);
        } catch (err) {
            // A .json file may hold JSON Lines, but only when every line is JSON on its own;
            // anything else is one broken document, reported once where it breaks.
            const { lines, lineErrors } = asJsonLines(text);
            if (lineErrors) {
                reportLineErrors(lineErrors, shownFile, out, problems, " (the file looks like JSON Lines: every line must be one JSON value)");
                return;
            }
            if (lines === undefined) {
                const where = whereNotJson(text, err);
                out.unreadable.push({ source: `${shownFile}:${where.line}:${where.column}`, reason: `not JSON: ${where.reason}` });
                return;
            }
            for (const [parsed, line] of lines) classify(parsed, `${shownFile}:${line}`, out, problems, true);
            problems.finish();
            return;
        }
        classify(value, shownFile, out, problems, true);
        problems.finish();
        return;
    }
    const parsed: Array<[unknown, number]> = [];
    const failures: Array<[string, number, unknown]> = [];
    forEachLine(text, (line, number) => {
        try {
            parsed.push([JSON.parse(line), number]);
        } catch (err) {
            failures.push([line, number, err]);
        }
        return true;
    });
    if (failures.length > 0) {
        if (isJson(text)) {
            out.unreadable.push({ source: shownFile, reason: "is one JSON document over several lines, not JSON Lines (one event per line); name it .json" });
            return;
        }
        reportLineErrors(failures, shownFile, out, problems, "");
        return;
    }
    for (const [value, line] of parsed) classify(value, `${shownFile}:${line}`, out, problems, true);
    problems.finish();
}

function reportLineErrors(failures: Array<[string, number, unknown]>, file: string, out: FindingInputs, problems: FileProblems, note: string): void {
    for (const [line, number, err] of failures) {
        const where = whereNotJson(line, err);
        problems.add(out.unreadable, `${file}:${number}:${where.column}`, `not JSON: ${where.reason}${note}`);
    }
    problems.finish();
}

function isJson(text: string): boolean {
    try {
        JSON.parse(text);
        return true;
    } catch {
        return false;
    }
}

/** Calls `fn` for every non-empty line with its 1-based number, until it returns false. */
function forEachLine(text: string, fn: (line: string, number: number) => boolean): void {
    let start = 0;
    let number = 1;
    while (start <= text.length) {
        let end = text.indexOf("\n", start);
        if (end === -1) end = text.length;
        const line = text.slice(start, end);
        if (line.trim() !== "" && !fn(line, number)) return;
        start = end + 1;
        number++;
    }
}

/**
 * A .json file that is not one document is read as JSON Lines when every non-empty line is JSON on
 * its own (and there are at least two). `lines` holds the parsed lines then; `lineErrors` is set
 * instead when the file looks like JSON Lines (its first line is JSON on its own) but a later line
 * is not; otherwise both are undefined and the file is one broken document.
 */
function asJsonLines(text: string): { lines?: Array<[unknown, number]>; lineErrors?: Array<[string, number, unknown]> } {
    const lines: Array<[unknown, number]> = [];
    const lineErrors: Array<[string, number, unknown]> = [];
    let count = 0;
    forEachLine(text, (line, number) => {
        count++;
        try {
            lines.push([JSON.parse(line), number]);
        } catch (err) {
            lineErrors.push([line, number, err]);
        }
        // A first line that is not JSON on its own: a multi-line document, no need to read on.
        return lines.length > 0;
    });
    if (count < 2 || lines.length === 0) return {};
    return lineErrors.length === 0 ? { lines } : { lineErrors };
}

/** Input files: .json or .jsonl, in any letter case. */
export const INPUT_FILE = /\.jsonl?$/i;

/**
 * Reads files and directories (every .json and .jsonl file in them, by name) in the order given.
 * Relative paths are resolved from `baseDir`; messages name the resolved path.
 */
export function readFindingInputs(paths: string[], baseDir: string = process.cwd()): FindingInputs {
    const out: FindingInputs = { events: [], skipped: [], warnings: [], unreadable: [] };
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
            let files: string[];
            try {
                files = fs.readdirSync(p).filter(f => INPUT_FILE.test(f)).sort();
            } catch (err) {
                out.unreadable.push({ source: escapeControls(p), reason: `cannot be listed: ${fsReason(err)}` });
                continue;
            }
            if (files.length === 0) out.unreadable.push({ source: escapeControls(p), reason: "the directory holds no .json or .jsonl file" });
            for (const f of files) readFile(path.join(p, f), out);
        } else {
            readFile(p, out);
        }
    }
    return out;
}
