/**
 * A streaming JSON scanner for the replay's input (offline/findingInput.ts): it reads a file in
 * fixed windows (1 MiB) and never holds more of it than one window plus the record being read, so
 * a file of any size can be replayed.
 *
 * It checks the whole file's syntax (the same messages as findingInput's jsonSyntaxError, with
 * line and column), UTF-8 encoding and NUL bytes, and cuts the file into records without parsing
 * them:
 *   - every top-level value (one document, JSON Lines, or Firehose-style `{…}{…}` concatenation);
 *   - each element of a top-level list (Prowler's `-M json-asff` output, a list of events);
 *   - each element of a top-level object's `Findings` list (`get-findings` / GetFindingsV2 output),
 *     told apart from an event by the object's `detail-type` key.
 * Each record comes with its byte span, line, column and nesting depth, so its reader can parse it
 * alone (JSON.parse on a few KB) and later read it back by offset (`FileWindow.read`).
 *
 * No npm package: the few streaming JSON tokenizers on npm either hold every value in memory or
 * report no byte offsets, and the replay needs both the offsets and this project's messages.
 */
import * as fs from "fs";
import { escapeControls } from "./safeText";

/** Where a record starts: byte offset in the file, 1-based line and column (column in UTF-16 units, as an editor counts). */
export interface Position {
    offset: number;
    line: number;
    column: number;
}

/** A record's bytes [offset, end), where it starts, and how deeply it nests (an object or list counts 1, a scalar 0). */
export interface Span extends Position {
    end: number;
    depth: number;
}

/** The file is not JSON: where and why (the reason is one line, control characters escaped). */
export class JsonScanError extends Error {
    constructor(readonly at: Position, readonly reason: string) {
        super(reason);
    }
}

/** The file is not UTF-8 JSON text at all (binary, UTF-16, gzip): one line, for the whole file. */
export class EncodingError extends Error {}

const WINDOW_BYTES = 1 << 20;

/** A file read in windows; `read` returns any span, from the window when it still holds it. */
export class FileWindow {
    buf: Buffer;
    /** File offset of buf[0]. */
    base = 0;
    /** Valid bytes in buf. */
    n = 0;
    eof = false;
    /** Where the text starts (3 after a UTF-8 byte-order mark). */
    readonly textStart: number;
    private readonly fd: number;

    constructor(file: string, windowBytes = WINDOW_BYTES) {
        this.fd = fs.openSync(file, "r");
        this.buf = Buffer.allocUnsafe(windowBytes);
        try {
            this.fill(0, 0, false);
            this.textStart = this.checkStart();
            const nul = this.buf.subarray(0, this.n).indexOf(0);
            if (nul !== -1) this.nulFound(nul);
        } catch (err) {
            this.close();
            throw err;
        }
    }

    /** Reads more bytes after the window, keeping from `keepFrom` (a file offset) when that fits in half the window. */
    fill(pos: number, keepFrom: number, checkNul = true): boolean {
        if (this.eof) return false;
        if (this.n === this.buf.length) {
            const keep = pos - keepFrom <= this.buf.length / 2 ? keepFrom : pos;
            const from = keep - this.base;
            this.buf.copy(this.buf, 0, from, this.n);
            this.n -= from;
            this.base = keep;
        }
        const got = fs.readSync(this.fd, this.buf, this.n, this.buf.length - this.n, this.base + this.n);
        if (got === 0) {
            this.eof = true;
            return false;
        }
        const nul = checkNul ? this.buf.subarray(this.n, this.n + got).indexOf(0) : -1;
        if (nul !== -1) this.nulFound(this.base + this.n + nul);
        this.n += got;
        return true;
    }

    private nulFound(at: number): never {
        if (this.base === 0) {
            // ASCII saved as UTF-16 has a NUL beside every character.
            const start = this.startsWith(0xef, 0xbb, 0xbf) ? 3 : 0;
            const sample = this.buf.subarray(start, Math.min(start + 64, this.n));
            const nuls = sample.filter(b => b === 0).length;
            if (sample.length >= 4 && nuls * 2 >= sample.length - 1) {
                throw new EncodingError("looks like UTF-16 text without a byte-order mark (NUL bytes between the characters); save it as UTF-8");
            }
        }
        throw new EncodingError(`holds NUL bytes (the first at byte ${at}): binary data, not JSON text`);
    }

    private startsWith(...bytes: number[]): boolean {
        return this.base === 0 && bytes.every((b, k) => this.buf[k] === b);
    }

    /** The byte-order mark and compression checks of the first bytes; where the text starts. */
    private checkStart(): number {
        const s = (...bytes: number[]) => bytes.every((b, k) => this.n > k && this.buf[k] === b);
        if (s(0x00, 0x00, 0xfe, 0xff) || s(0xff, 0xfe, 0x00, 0x00)) throw new EncodingError("is UTF-32 text (byte-order mark); save it as UTF-8");
        if (s(0xfe, 0xff) || s(0xff, 0xfe)) throw new EncodingError("is UTF-16 text (byte-order mark); save it as UTF-8");
        if (s(0x1f, 0x8b)) throw new EncodingError("is gzip-compressed; decompress it first");
        return s(0xef, 0xbb, 0xbf) ? 3 : 0;
    }

    /** The bytes [start, end) of the file: from the window, else read again from the file. */
    read(start: number, end: number): Buffer {
        if (start >= this.base && end <= this.base + this.n) return this.buf.subarray(start - this.base, end - this.base);
        const out = Buffer.allocUnsafe(end - start);
        let done = 0;
        while (done < out.length) {
            const got = fs.readSync(this.fd, out, done, out.length - done, start + done);
            if (got === 0) throw new Error(`the file ended at byte ${start + done} while reading back bytes ${start}-${end} (was it changed during the replay?)`);
            done += got;
        }
        return out;
    }

    close(): void {
        try {
            fs.closeSync(this.fd);
        } catch {
            // already closed
        }
    }
}

/** A top-level value, when it ends (its elements or findings were yielded before or with it). */
export interface TopValue {
    type: "top";
    kind: "object" | "array" | "scalar";
    span: Span;
    /** 0 for the file's first top-level value, then 1, 2 … */
    ordinal: number;
    /** Whether another top-level value follows it in the file. */
    followed: boolean;
    /** Objects: a `detail-type` key at its first level (an EventBridge event, not get-findings output). */
    detailType: boolean;
    /** Objects with a first-level `Findings` key: the spans of its elements when it is a list, else the kind of value it is. */
    findings?: Span[] | "an object" | "a string" | "a number" | "a boolean" | "null";
    /** Lists: how many elements it has. */
    elements: number;
}

/** An element of a top-level list, yielded as soon as it ends. */
export interface ListElement {
    type: "element";
    span: Span;
    index: number;
    /** The list's ordinal and start, for naming the element. */
    top: { ordinal: number; line: number; column: number };
}

export type ScanItem = TopValue | ListElement;

const enum Expect { Value, ValueOrEnd, Key, KeyOrEnd, After }
const SPACE = 0x20, TAB = 0x09, CR = 0x0d, LF = 0x0a, QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_LIST = 0x5b, CLOSE_LIST = 0x5d;
const FINDINGS = Buffer.from("Findings");
const DETAIL_TYPE = Buffer.from("detail-type");

/**
 * Scans the window's file from its text start to the end, yielding list elements as they end and
 * top-level values when they end (with whether another follows). Throws JsonScanError where the
 * text stops being JSON, EncodingError when it is not UTF-8 text.
 */
export function* scanJson(win: FileWindow): Generator<ScanItem> {
    let buf = win.buf;
    let base = win.base;
    let n = win.n;
    let j = win.textStart - base;
    let line = 1;
    let lineStart = win.textStart;
    /** Bytes on this line, before j, that are not a UTF-16 unit of their own (UTF-8 continuation bytes). */
    let adj = 0;
    /** The start of the record being read: the window keeps it when it can. */
    let pin = win.textStart;
    const more = (): boolean => {
        const pos = base + j;
        const got = win.fill(pos, pin);
        buf = win.buf;
        base = win.base;
        n = win.n;
        j = pos - base;
        return got;
    };
    /** True when buf[j + k] can be read. */
    const ahead = (k: number): boolean => {
        while (j + k >= n) if (!more()) return false;
        return true;
    };
    const position = (offset: number): Position => ({ offset, line, column: offset - lineStart - adj + 1 });
    const fail = (offset: number, reason: string): never => {
        throw new JsonScanError(position(offset), reason);
    };
    const truncated = (): never => fail(base + j, "the file ends before the JSON document does (truncated?)");
    /** The character at j, quoted and escaped, for messages. */
    const shown = (k = 0): string => {
        if (!ahead(k)) return "the end of the file";
        const b = buf[j + k];
        if (b < 0x80) return `"${escapeControls(String.fromCharCode(b))}"`;
        const need = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
        ahead(k + need);
        const text = buf.toString("utf8", j + k, Math.min(n, j + k + need + 1));
        return `"${escapeControls(String.fromCodePoint(text.codePointAt(0)!))}"`;
    };
    const notUtf8 = (): never => {
        const p = position(base + j);
        throw new EncodingError(`is not UTF-8 text: byte 0x${buf[j].toString(16).padStart(2, "0")} at line ${p.line}, column ${p.column} (byte ${base + j}); save it as UTF-8`);
    };
    /** Checks the UTF-8 sequence at j (a byte ≥ 0x80) and steps over it. */
    const utf8 = () => {
        const b = buf[j];
        let need = 0;
        let min = 0x80;
        let max = 0xbf;
        if (b >= 0xc2 && b <= 0xdf) need = 1;
        else if (b >= 0xe0 && b <= 0xef) { need = 2; if (b === 0xe0) min = 0xa0; if (b === 0xed) max = 0x9f; }
        else if (b >= 0xf0 && b <= 0xf4) { need = 3; if (b === 0xf0) min = 0x90; if (b === 0xf4) max = 0x8f; }
        else notUtf8();
        ahead(need);
        for (let k = 1; k <= need; k++) {
            const c = j + k < n ? buf[j + k] : -1;
            if (c < (k === 1 ? min : 0x80) || c > (k === 1 ? max : 0xbf)) notUtf8();
        }
        // Four bytes make two UTF-16 units, two or three bytes one.
        adj += need === 3 ? 2 : need;
        j += need + 1;
    };
    /** Reads a string at j (its opening quote); with `key`, returns whether it is exactly `key` (unescaped). */
    const readString = (key?: Buffer[]): Buffer | undefined => {
        j++;
        const start = base + j;
        let escaped = false;
        for (;;) {
            if (j >= n && !more()) truncated();
            const c = buf[j];
            if (c === QUOTE) {
                j++;
                if (!key || escaped) return undefined;
                const length = base + j - 1 - start;
                return key.find(k => k.length === length && win.read(start, start + length).equals(k));
            }
            if (c === BACKSLASH) {
                escaped = true;
                if (!ahead(1)) truncated();
                const e = buf[j + 1];
                if (e === 0x75 /* u */) {
                    ahead(5);
                    for (let k = 2; k < 6; k++) {
                        const h = j + k < n ? buf[j + k] : -1;
                        if (!((h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66))) fail(base + j, "a \\u escape needs four hexadecimal digits");
                    }
                    j += 6;
                } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) j += 2;
                else fail(base + j, `${shown(1)} cannot follow a backslash in a string`);
                continue;
            }
            if (c < 0x20) fail(base + j, `a control character (${shown()}) inside a string; it must be escaped, and a string cannot span lines`);
            if (c >= 0x80) utf8();
            else j++;
        }
    };
    const skipSpace = () => {
        for (;;) {
            if (j >= n && !more()) return;
            const c = buf[j];
            if (c === SPACE || c === TAB || c === CR) j++;
            else if (c === LF) {
                j++;
                line++;
                lineStart = base + j;
                adj = 0;
            } else return;
        }
    };
    const isDigit = (k: number) => ahead(k) && buf[j + k] >= 0x30 && buf[j + k] <= 0x39;
    const readNumber = () => {
        const start = base + j;
        if (buf[j] === 0x2d) j++;
        if (isDigit(0)) {
            if (buf[j] === 0x30) j++;
            else while (isDigit(0)) j++;
        } else {
            j = start - base;
            fail(start, `expected a JSON value but found ${shown()}`);
        }
        if (ahead(0) && buf[j] === 0x2e && isDigit(1)) {
            j++;
            while (isDigit(0)) j++;
        }
        if (ahead(0) && (buf[j] === 0x65 || buf[j] === 0x45)) {
            const sign = ahead(1) && (buf[j + 1] === 0x2b || buf[j + 1] === 0x2d) ? 1 : 0;
            if (isDigit(1 + sign)) {
                j += 1 + sign;
                while (isDigit(0)) j++;
            }
        }
    };
    const literal = (word: string): boolean => {
        if (!ahead(word.length - 1)) return false;
        for (let k = 0; k < word.length; k++) if (buf[j + k] !== word.charCodeAt(k)) return false;
        j += word.length;
        return true;
    };

    const stack: number[] = [];
    let expect: Expect = Expect.Value;
    let ordinal = 0;
    // The top-level value being read.
    let top: TopValue | undefined;
    let topMax = 0;
    let memberKey: Buffer | undefined;
    let inFindings = false;
    let findingSpans: Span[] | undefined;
    // The list element or get-findings finding being read.
    let leaf: { start: Position; depth0: number; max: number; index: number; kind: "element" | "finding" } | undefined;
    let elementCount = 0;
    let topEnd = 0;

    for (;;) {
        skipSpace();
        if (expect === Expect.After) {
            if (stack.length === 0) {
                // A top-level value ended: another may follow (JSON Lines, `{…}{…}`).
                const t = top!;
                t.span = { ...t.span, end: topEnd, depth: topMax };
                t.followed = j < n || more();
                if (t.kind === "object" && findingSpans !== undefined) t.findings = findingSpans;
                t.elements = elementCount;
                yield t;
                top = undefined;
                ordinal++;
                expect = Expect.Value;
                if (!t.followed) return;
                continue;
            }
            if (j >= n && !more()) truncated();
            const close = stack[stack.length - 1];
            const c = buf[j];
            if (c === COMMA) {
                j++;
                expect = close === CLOSE_LIST ? Expect.Value : Expect.Key;
            } else if (c === close) {
                j++;
                stack.pop();
                if (inFindings && stack.length === 1) inFindings = false;
                const done = valueEnded();
                if (done) yield done;
            } else fail(base + j, `expected "," or "${String.fromCharCode(close)}" but found ${shown()}`);
            continue;
        }
        if (j >= n && !more()) {
            if (stack.length > 0) truncated();
            return;
        }
        const c = buf[j];
        if (expect === Expect.Key || expect === Expect.KeyOrEnd) {
            if (c === CLOSE_OBJECT && expect === Expect.KeyOrEnd) {
                j++;
                stack.pop();
                expect = Expect.After;
                const done = valueEnded();
                if (done) yield done;
                continue;
            }
            if (c === CLOSE_OBJECT) fail(base + j, "a comma before \"}\" (JSON allows no trailing comma)");
            if (c !== QUOTE) fail(base + j, `expected a property name in double quotes but found ${shown()}`);
            memberKey = readString(stack.length === 1 && top!.kind === "object" ? [FINDINGS, DETAIL_TYPE] : undefined);
            skipSpace();
            if (j >= n && !more()) truncated();
            if (buf[j] !== COLON) fail(base + j, `expected ":" after the property name but found ${shown()}`);
            j++;
            expect = Expect.Value;
            continue;
        }
        if (c === CLOSE_LIST && expect === Expect.ValueOrEnd) {
            j++;
            stack.pop();
            if (inFindings && stack.length === 1) inFindings = false;
            expect = Expect.After;
            const done = valueEnded();
            if (done) yield done;
            continue;
        }
        if (c === CLOSE_LIST && stack[stack.length - 1] === CLOSE_LIST) fail(base + j, "a comma before \"]\" (JSON allows no trailing comma)");
        // A value starts here.
        const kind = c === OPEN_OBJECT ? "object" : c === OPEN_LIST ? "array" : "scalar";
        if (stack.length === 0) {
            pin = base + j;
            top = { type: "top", kind, span: { ...position(base + j), end: 0, depth: 0 }, ordinal, followed: false, detailType: false, elements: 0 };
            topMax = 0;
            findingSpans = undefined;
            inFindings = false;
            elementCount = 0;
        } else if (stack.length === 1 && top!.kind === "array") {
            pin = base + j;
            leaf = { start: position(base + j), depth0: 1, max: 0, index: elementCount++, kind: "element" };
        } else if (stack.length === 2 && inFindings) {
            pin = base + j;
            leaf = { start: position(base + j), depth0: 2, max: 0, index: findingSpans!.length, kind: "finding" };
        } else if (stack.length === 1 && top!.kind === "object" && memberKey !== undefined) {
            if (memberKey === DETAIL_TYPE) top!.detailType = true;
            else if (memberKey === FINDINGS) {
                findingSpans = undefined;
                if (c === OPEN_LIST) {
                    inFindings = true;
                    findingSpans = [];
                } else top!.findings = c === OPEN_OBJECT ? "an object" : c === QUOTE ? "a string" : c === 0x6e ? "null" : c === 0x74 || c === 0x66 ? "a boolean" : "a number";
            }
        }
        if (stack.length === 1) memberKey = undefined;
        expect = Expect.After;
        if (c === OPEN_OBJECT || c === OPEN_LIST) {
            stack.push(c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_LIST);
            j++;
            expect = c === OPEN_OBJECT ? Expect.KeyOrEnd : Expect.ValueOrEnd;
            if (stack.length > topMax) topMax = stack.length;
            if (leaf && stack.length - leaf.depth0 > leaf.max) leaf.max = stack.length - leaf.depth0;
            continue;
        }
        if (c === QUOTE) readString();
        else if (c === 0x74 /* t */ || c === 0x6e /* n */) {
            if (!literal(c === 0x74 ? "true" : "null")) fail(base + j, `expected a JSON value but found ${shown()}`);
        } else if (c === 0x66 /* f */) {
            if (!literal("false")) fail(base + j, `expected a JSON value but found ${shown()}`);
        } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) readNumber();
        else if (c >= 0x80) {
            // Not JSON outside a string; but first say so when it is not UTF-8 either.
            const [at, adjAt, seen] = [base + j, adj, shown()];
            utf8();
            j = at - base;
            adj = adjAt;
            fail(base + j, `expected a JSON value but found ${seen}`);
        } else fail(base + j, `expected a JSON value but found ${shown()}`);
        const done = valueEnded();
        if (done) yield done;
    }

    /** After a value ended at j: the list element it completes, if any (a finding's span is kept for its object). */
    function valueEnded(): ListElement | undefined {
        if (stack.length === 0) topEnd = base + j;
        if (!leaf || stack.length !== leaf.depth0) return undefined;
        const span: Span = { ...leaf.start, end: base + j, depth: leaf.max };
        const done = leaf;
        leaf = undefined;
        if (done.kind === "finding") {
            findingSpans!.push(span);
            return undefined;
        }
        return { type: "element", span, index: done.index, top: { ordinal: top!.ordinal, line: top!.span.line, column: top!.span.column } };
    }
}
