import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { eventForFinding, eventForOcsfFinding, indexFindingInputs, jsonSyntaxError, readFindingInputs } from "../offline/findingInput";
import { FileWindow, scanJson } from "../offline/jsonStream";
import { findingEvent, ocsfFindingEvent } from "./support/findings";

describe("finding input", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "findings-"));
    const write = (name: string, content: string) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, content);
        return file;
    };
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads one event, an array of events and JSON Lines, naming each position", () => {
        const one = findingEvent();
        const [a, b] = [findingEvent(), findingEvent()];
        const input = readFindingInputs([
            write("one.json", JSON.stringify(one)),
            write("many.json", JSON.stringify([a, b])),
            write("stream.jsonl", `${JSON.stringify(a)}\n\n${JSON.stringify(b)}\n`),
        ]);
        expect(input.unreadable).to.deep.equal([]);
        expect(input.skipped).to.deep.equal([]);
        expect(input.events.map(e => path.basename(e.source))).to.deep.equal(["one.json", "many.json[0]", "many.json[1]", "stream.jsonl:1", "stream.jsonl:3"]);
        expect(input.events[0].event).to.deep.equal(one);
        expect(input.events[0].findingId).to.equal(one.detail.findings[0].Id);
    });

    it("wraps `aws securityhub get-findings` output into the events Security Hub would send", () => {
        const finding = findingEvent().detail.findings[0];
        const input = readFindingInputs([write("get-findings.json", JSON.stringify({ Findings: [finding], NextToken: "abc" }))]);
        expect(input.events).to.have.length(1);
        const { event, source } = input.events[0];
        expect(source).to.match(/get-findings\.json Findings\[0\]$/);
        expect(event).to.deep.include({ "detail-type": "Security Hub Findings - Imported", source: "aws.securityhub", account: finding.AwsAccountId, region: finding.Region, time: finding.UpdatedAt });
        expect(event.resources).to.deep.equal([finding.Id]);
        expect(event.detail.findings).to.deep.equal([finding]);
        expect(eventForFinding(finding).detail.findings[0]).to.equal(finding);
    });

    it("reads every .json and .jsonl file of a directory, by name", () => {
        const sub = path.join(dir, "dir");
        fs.mkdirSync(sub);
        fs.writeFileSync(path.join(sub, "b.jsonl"), JSON.stringify(findingEvent()) + "\n");
        fs.writeFileSync(path.join(sub, "a.json"), JSON.stringify(findingEvent()));
        fs.writeFileSync(path.join(sub, "notes.txt"), "not input");
        expect(readFindingInputs([sub]).events.map(e => path.basename(e.source))).to.deep.equal(["a.json", "b.jsonl:1"]);
    });

    it("skips records that are not events and findings without an Id, saying where", () => {
        const noId = findingEvent();
        delete noId.detail.findings[0].Id;
        const input = readFindingInputs([write("mixed.json", JSON.stringify([{ hello: "world" }, noId, findingEvent(), { Findings: [{ Title: "no id" }] }]))]);
        expect(input.events).to.have.length(1);
        expect(input.skipped.map(s => [path.basename(s.source), s.reason])).to.deep.equal([
            ["mixed.json[0]", 'not an EventBridge event (detail-type, source, detail), a finding, nor get-findings output ({"Findings": [...]})'],
            ["mixed.json[1]", "the finding has no Id"],
            ["mixed.json[3] Findings[0]", "the finding has no Id"],
        ]);
    });

    it("reports unreadable input with the file and line", () => {
        const input = readFindingInputs([
            write("broken.json", '{"detail-type": '),
            write("broken.jsonl", `${JSON.stringify(findingEvent())}\n{oops\n`),
            path.join(dir, "missing.json"),
        ]);
        expect(input.unreadable.map(u => path.basename(u.source))).to.deep.equal(["broken.json:1:17", "broken.jsonl:2:2", "missing.json"]);
        expect(input.unreadable[0].reason).to.equal("not JSON: the file ends before the JSON document does (truncated?)");
        expect(input.unreadable[1].reason).to.equal('not JSON: expected a property name in double quotes but found "o"');
        expect(input.unreadable[2].reason).to.equal("no such file or directory (ENOENT)");
        expect(input.events).to.deep.equal([]);
    });

    /** `aws securityhub get-findings` output as the CLI prints it: indented, one value per line. */
    const getFindingsText = (n: number) => JSON.stringify({ Findings: Array.from({ length: n }, () => findingEvent().detail.findings[0]) }, null, 4);
    const noRawControls = (texts: string[]) => texts.forEach(t => expect(t).not.to.match(/[\u0000-\u001f\u007f-\u009f]/));

    it("reports a truncated get-findings file once, where it ends", () => {
        const text = getFindingsText(300).slice(0, 150000);
        const input = readFindingInputs([write("truncated.json", text)]);
        const lines = text.split("\n");
        expect(input.unreadable).to.deep.equal([{
            source: `${path.join(dir, "truncated.json")}:${lines.length}:${lines[lines.length - 1].length + 1}`,
            reason: "not JSON: the file ends before the JSON document does (truncated?)",
        }]);
        expect(input.events).to.deep.equal([]);
    });

    it("reports one stray comma once, at its line and column", () => {
        const lines = getFindingsText(300).split("\n");
        const at = lines.findIndex((l, i) => i > 5000 && /"$/.test(l) && /^\s*}/.test(lines[i + 1]));
        lines[at] += ",";
        const input = readFindingInputs([write("comma.json", lines.join("\n"))]);
        expect(input.unreadable).to.have.length(1);
        expect(path.basename(input.unreadable[0].source)).to.equal(`comma.json:${at + 2}:${lines[at + 1].indexOf("}") + 1}`);
        expect(input.unreadable[0].reason).to.equal('not JSON: a comma before "}" (JSON allows no trailing comma)');
    });

    it("reads a .json file as JSON Lines only when every line is JSON on its own", () => {
        const [a, b] = [findingEvent(), findingEvent()];
        const ok = readFindingInputs([write("lines.json", `${JSON.stringify(a)}\n${JSON.stringify(b)}\n`)]);
        expect(ok.unreadable).to.deep.equal([]);
        expect(ok.events.map(e => path.basename(e.source))).to.deep.equal(["lines.json:1", "lines.json:2"]);
        const bad = readFindingInputs([write("lines-bad.json", `${JSON.stringify(a)}\n${JSON.stringify(b).slice(0, -1)},}\n`)]);
        expect(bad.unreadable).to.have.length(1);
        expect(bad.unreadable[0].source).to.match(/lines-bad\.json:2:\d+$/);
        expect(bad.unreadable[0].reason).to.match(/^not JSON: a comma before "}"/);
    });

    it("lists at most 10 bad lines of a JSON Lines file and counts the rest", () => {
        const input = readFindingInputs([write("many-bad.jsonl", Array.from({ length: 500 }, (_, i) => `{"n": ${i},}`).join("\n"))]);
        expect(input.unreadable).to.have.length(11);
        expect(path.basename(input.unreadable[0].source)).to.equal("many-bad.jsonl:1:9");
        expect(input.unreadable[10]).to.deep.equal({ source: path.join(dir, "many-bad.jsonl"), reason: "and 490 more problems in this file (only the first 10 are listed)" });
    });

    it("says a .jsonl file that holds one indented document is not JSON Lines", () => {
        const input = readFindingInputs([write("pretty.jsonl", JSON.stringify(findingEvent(), null, 2))]);
        expect(input.unreadable).to.deep.equal([{ source: path.join(dir, "pretty.jsonl"), reason: "is one JSON document over several lines, not JSON Lines (one event per line); name it .json" }]);
    });

    it("accepts a UTF-8 byte-order mark and refuses other encodings in one line", () => {
        const event = JSON.stringify(findingEvent());
        const bom = readFindingInputs([write("bom.json", `\ufeff${event}`)]);
        expect(bom.unreadable).to.deep.equal([]);
        expect(bom.events).to.have.length(1);
        const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(event, "utf16le")]);
        fs.writeFileSync(path.join(dir, "utf16.json"), utf16);
        fs.writeFileSync(path.join(dir, "utf16-nobom.json"), Buffer.from(event, "utf16le"));
        fs.writeFileSync(path.join(dir, "latin1.json"), Buffer.from('{"Title": "caf\xe9"}', "latin1"));
        fs.writeFileSync(path.join(dir, "binary.json"), Buffer.from([0x7b, 0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x01, 0x02, 0xff]));
        const input = readFindingInputs(["utf16.json", "utf16-nobom.json", "latin1.json", "binary.json"].map(f => path.join(dir, f)));
        expect(input.unreadable.map(u => [path.basename(u.source), u.reason])).to.deep.equal([
            ["utf16.json", "is UTF-16 text (byte-order mark); save it as UTF-8"],
            ["utf16-nobom.json", "looks like UTF-16 text without a byte-order mark (NUL bytes between the characters); save it as UTF-8"],
            ["latin1.json", "is not UTF-8 text: byte 0xe9 at line 1, column 15 (byte 14); save it as UTF-8"],
            ["binary.json", "holds NUL bytes (the first at byte 5): binary data, not JSON text"],
        ]);
    });

    it("escapes control characters in every message, file names included", () => {
        const input = readFindingInputs([
            write("esc\u001b[2J.json", '{"Title": "\u001b]0;owned\u0007"}'),
            write("ctl.jsonl", '{"a": 1}\n\u001b[31m{"b": 2}\n'),
        ]);
        expect(input.unreadable).to.have.length(2);
        noRawControls(input.unreadable.flatMap(u => [u.source, u.reason]));
        expect(input.unreadable[0].source).to.include("esc\\x1b[2J.json:1:12");
        expect(input.unreadable[0].reason).to.include('("\\x1b")');
        expect(input.unreadable[1].reason).to.equal('not JSON: expected a JSON value but found "\\x1b"');
    });

    it("says an empty file holds no events", () => {
        const input = readFindingInputs([write("empty.jsonl", ""), write("blank.json", "\n\n  \n")]);
        expect(input.unreadable).to.deep.equal([]);
        expect(input.skipped.map(s => [path.basename(s.source), s.reason])).to.deep.equal([
            ["empty.jsonl", "the file is empty: it holds no events"],
            ["blank.json", "the file is empty: it holds no events"],
        ]);
    });

    it("names an Id that is not a string, and a findings list that is not a list", () => {
        const numeric = findingEvent();
        numeric.detail.findings[0].Id = 42;
        const flag = findingEvent().detail.findings[0];
        flag.Id = true;
        const notList = findingEvent();
        notList.detail.findings = { Id: "x" };
        const input = readFindingInputs([write("ids.json", JSON.stringify([numeric, { Findings: [flag, { Id: "" }, "text"] }, notList, { Findings: "none" }]))]);
        expect(input.events).to.deep.equal([]);
        expect(input.skipped.map(s => [path.basename(s.source), s.reason])).to.deep.equal([
            ["ids.json[0]", "the finding's Id is a number, not a string"],
            ["ids.json[1] Findings[0]", "the finding's Id is a boolean, not a string"],
            ["ids.json[1] Findings[1]", "the finding's Id is empty"],
            ["ids.json[1] Findings[2]", "not a finding object (a string)"],
            ["ids.json[2]", "detail.findings is an object, not a list"],
            ["ids.json[3]", "Findings is a string, not a list of findings"],
        ]);
    });

    it("reads .JSON and .JSONL files of a directory in any letter case", () => {
        const sub = path.join(dir, "cases");
        fs.mkdirSync(sub);
        fs.writeFileSync(path.join(sub, "a.JSON"), JSON.stringify(findingEvent()));
        fs.writeFileSync(path.join(sub, "b.Jsonl"), JSON.stringify(findingEvent()) + "\n");
        fs.writeFileSync(path.join(sub, "c.json.txt"), "not input");
        expect(readFindingInputs([sub]).events.map(e => path.basename(e.source))).to.deep.equal(["a.JSON", "b.Jsonl:1"]);
    });

    it("splits an event with several findings into one event per finding, with one warning", () => {
        const event = findingEvent({ severity: "LOW" });
        const critical = findingEvent({ severity: "CRITICAL" }).detail.findings[0];
        event.detail.findings.push(critical, { Title: "no id" });
        const input = readFindingInputs([write("multi.json", JSON.stringify([findingEvent(), event]))]);
        expect(input.events.map(e => path.basename(e.source))).to.deep.equal(["multi.json[0]", "multi.json[1] findings[0]", "multi.json[1] findings[1]"]);
        expect(input.events[2].event.detail.findings).to.deep.equal([critical]);
        expect(input.events[2].findingId).to.equal(critical.Id);
        expect(input.events[2].event.id).to.equal(event.id);
        expect(input.events[2].event.time).to.equal(event.time);
        expect(input.warnings.map(w => [path.basename(w.source), w.reason])).to.deep.equal([
            ["multi.json[1]", "the event holds 3 findings; Security Hub sends one per event, so each finding is replayed as its own event (findings[0] to findings[2])"],
        ]);
        expect(input.skipped.map(s => [path.basename(s.source), s.reason])).to.deep.equal([["multi.json[1] findings[2]", "the finding has no Id"]]);
    });

    it("resolves relative paths from the directory given and names the resolved path", () => {
        write("relative.json", JSON.stringify(findingEvent()));
        const input = readFindingInputs(["relative.json", "nothing-here.json"], dir);
        expect(input.events.map(e => e.source)).to.deep.equal([path.join(dir, "relative.json")]);
        expect(input.unreadable.map(u => u.source)).to.deep.equal([path.join(dir, "nothing-here.json")]);
    });

    it("refuses FIFOs, devices and symlink loops, one line each (a directory named like input is read as a directory)", function () {
        const sub = path.join(dir, "special");
        fs.mkdirSync(sub);
        fs.mkdirSync(path.join(sub, "d.json"));
        fs.symlinkSync(path.join(sub, "loop-b.json"), path.join(sub, "loop-a.json"));
        fs.symlinkSync(path.join(sub, "loop-a.json"), path.join(sub, "loop-b.json"));
        fs.symlinkSync("/dev/zero", path.join(sub, "zero.json"));
        const fifo = path.join(dir, "fifo.json");
        const { status } = require("child_process").spawnSync("mkfifo", [fifo]);
        const input = readFindingInputs(status === 0 ? [sub, fifo] : [sub]);
        expect(input.unreadable.map(u => [path.basename(u.source), u.reason])).to.deep.equal([
            ["loop-a.json", "cannot be read: too many levels of symbolic links (a symlink loop?) (ELOOP)"],
            ["loop-b.json", "cannot be read: too many levels of symbolic links (a symlink loop?) (ELOOP)"],
            ["zero.json", "is a character device, not a regular file; save the findings to a file first"],
            ...(status === 0 ? [["fifo.json", "is a FIFO (named pipe), not a regular file; save the findings to a file first"]] : []),
        ]);
    });

    it("skips a record nested deeper than any finding instead of overflowing the stack", () => {
        const event = JSON.stringify(findingEvent()).replace('"Label":"HIGH"', `"Label":${"[".repeat(100000)}"HIGH"${"]".repeat(100000)}`);
        const input = readFindingInputs([write("deep.json", `[${event},${JSON.stringify(findingEvent())}]`)]);
        expect(input.events).to.have.length(1);
        expect(input.skipped.map(s => [path.basename(s.source), s.reason])).to.deep.equal([["deep.json[0]", "nested more than 100 levels deep; no Security Hub event is"]]);
    });

    it("finds where JSON breaks, agreeing with JSON.parse", () => {
        for (const text of ['{"a": [1, 2, {"b": null}], "c": "\\u00e9\\n"}', "[]", "0", "-1.5e3", '"x"']) expect(jsonSyntaxError(text), text).to.equal(undefined);
        const cases: Array<[string, number, string]> = [
            ['{"a": 1,}', 8, 'a comma before "}" (JSON allows no trailing comma)'],
            ["[1, 2,]", 6, 'a comma before "]" (JSON allows no trailing comma)'],
            ["[1 2]", 3, 'expected "," or "]" but found "2"'],
            ["{'a': 1}", 1, "expected a property name in double quotes but found \"'\""],
            ['{"a" 1}', 5, 'expected ":" after the property name but found "1"'],
            ['"a\\x"', 2, '"x" cannot follow a backslash in a string'],
            ["01", 1, '"1" after the end of the JSON document (one .json file holds one document; name the file .jsonl for JSON Lines)'],
            ["", 0, "no JSON value"],
            ["[tru]", 1, 'expected a JSON value but found "t"'],
        ];
        for (const [text, offset, reason] of cases) {
            expect(() => JSON.parse(text), text).to.throw();
            expect(jsonSyntaxError(text), text).to.deep.equal({ offset, reason });
        }
    });
});

describe("finding input: the new Security Hub's OCSF findings (Findings Imported V2)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ocsf-findings-"));
    const write = (name: string, content: string) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, content);
        return file;
    };
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads V2 events one by one, in arrays and as JSON Lines, keyed by finding_info.uid", () => {
        const [a, b] = [ocsfFindingEvent(), ocsfFindingEvent()];
        const input = readFindingInputs([
            write("one.json", JSON.stringify(a)),
            write("many.json", JSON.stringify([a, b])),
            write("stream.jsonl", `${JSON.stringify(a)}\n${JSON.stringify(b)}\n`),
        ]);
        expect(input.unreadable).to.deep.equal([]);
        expect(input.skipped).to.deep.equal([]);
        expect(input.events.map(e => [path.basename(e.source), e.findingId, e.format])).to.deep.equal([
            ["one.json", a.detail.findings[0].finding_info.uid, "OCSF"],
            ["many.json[0]", a.detail.findings[0].finding_info.uid, "OCSF"],
            ["many.json[1]", b.detail.findings[0].finding_info.uid, "OCSF"],
            ["stream.jsonl:1", a.detail.findings[0].finding_info.uid, "OCSF"],
            ["stream.jsonl:2", b.detail.findings[0].finding_info.uid, "OCSF"],
        ]);
        expect(input.events[0].event).to.deep.equal(a);
    });

    it("wraps GetFindingsV2 output ({\"Findings\": [OCSF documents]}) into the V2 events Security Hub would send", () => {
        const finding = ocsfFindingEvent({ time: "2026-11-28T09:30:00.000Z" }).detail.findings[0];
        const input = readFindingInputs([write("get-findings-v2.json", JSON.stringify({ Findings: [finding], NextToken: "next" }))]);
        expect(input.skipped).to.deep.equal([]);
        expect(input.events).to.have.length(1);
        const { event, source, findingId, format } = input.events[0];
        expect(source).to.match(/get-findings-v2\.json Findings\[0\]$/);
        expect([findingId, format]).to.deep.equal([finding.finding_info.uid, "OCSF"]);
        expect(event).to.deep.include({
            "detail-type": "Findings Imported V2", source: "aws.securityhub", account: "111122223333", region: "ap-northeast-1", time: "2026-11-28T09:30:00.000Z",
        });
        expect(event.resources).to.deep.equal([finding.metadata.uid]);
        expect(event.detail.findings).to.deep.equal([finding]);
        expect(event.id).to.match(/^[0-9a-f-]{36}$/);
    });

    it("takes the time from time_dt, else finding_info.modified_time_dt, else time (epoch milliseconds)", () => {
        const finding = ocsfFindingEvent({ time: "2026-11-28T09:30:00.000Z" }).detail.findings[0];
        expect(eventForOcsfFinding(finding).time).to.equal("2026-11-28T09:30:00.000Z");
        delete finding.time_dt;
        finding.finding_info.modified_time_dt = "2026-11-28T10:00:00.000Z";
        expect(eventForOcsfFinding(finding).time).to.equal("2026-11-28T10:00:00.000Z");
        delete finding.finding_info.modified_time_dt;
        expect(eventForOcsfFinding(finding).time).to.equal("2026-11-28T09:30:00.000Z");
        // Account and Region come from the finding's cloud object, not from anywhere else.
        finding.cloud = { account: { uid: "444455556666" }, region: "eu-west-1" };
        expect(eventForOcsfFinding(finding)).to.deep.include({ account: "444455556666", region: "eu-west-1" });
    });

    it("tells OCSF from ASFF findings in one Findings list by their fields", () => {
        const asff = findingEvent().detail.findings[0];
        const ocsf = ocsfFindingEvent({ uid: asff.Id }).detail.findings[0];
        const input = readFindingInputs([write("mixed-findings.json", JSON.stringify({ Findings: [asff, ocsf] }))]);
        expect(input.events.map(e => [e.event["detail-type"], e.findingId, e.format])).to.deep.equal([
            ["Security Hub Findings - Imported", asff.Id, "ASFF"],
            // The same finding in both formats has the same id: its events replay as one finding's.
            ["Findings Imported V2", asff.Id, "OCSF"],
        ]);
        expect(eventForFinding(asff)["detail-type"]).to.equal("Security Hub Findings - Imported");
    });

    it("skips OCSF findings without a string finding_info.uid, saying why", () => {
        const event = (mutate: (f: Record<string, any>) => void) => {
            const e = ocsfFindingEvent();
            mutate(e.detail.findings[0]);
            return e;
        };
        const noUid = event(f => delete f.finding_info.uid);
        const numeric = event(f => { f.finding_info.uid = 42; });
        const empty = event(f => { f.finding_info.uid = ""; });
        const noInfo = event(f => delete f.finding_info);
        const infoList = event(f => { f.finding_info = ["x"]; });
        const listed = ocsfFindingEvent().detail.findings[0];
        listed.finding_info.uid = null;
        const input = readFindingInputs([write("bad-uids.json", JSON.stringify([noUid, numeric, empty, noInfo, infoList, { Findings: [listed] }]))]);
        expect(input.events).to.deep.equal([]);
        expect(input.skipped.map(p => [path.basename(p.source), p.reason])).to.deep.equal([
            ["bad-uids.json[0]", "the OCSF finding has no finding_info.uid"],
            ["bad-uids.json[1]", "the OCSF finding's finding_info.uid is a number, not a string"],
            ["bad-uids.json[2]", "the OCSF finding's finding_info.uid is empty"],
            ["bad-uids.json[3]", "the OCSF finding has no finding_info"],
            ["bad-uids.json[4]", "the OCSF finding's finding_info is a list, not an object"],
            // In a Findings list a finding with metadata but no usable uid is still an OCSF finding.
            ["bad-uids.json[5] Findings[0]", "the OCSF finding's finding_info.uid is null, not a string"],
        ]);
    });

    it("replays a V2 event with several findings as one event per finding, with a warning", () => {
        const [a, b] = [ocsfFindingEvent(), ocsfFindingEvent()];
        const several = { ...a, detail: { findings: [a.detail.findings[0], b.detail.findings[0]] } };
        const input = readFindingInputs([write("several.json", JSON.stringify(several))]);
        expect(input.events.map(e => [path.basename(e.source), e.findingId, e.event.detail.findings.length])).to.deep.equal([
            ["several.json findings[0]", a.detail.findings[0].finding_info.uid, 1],
            ["several.json findings[1]", b.detail.findings[0].finding_info.uid, 1],
        ]);
        expect(input.warnings.map(w => w.reason)).to.deep.equal(["the event holds 2 findings; Security Hub sends one per event, so each finding is replayed as its own event (findings[0] to findings[1])"]);
    });

    it("reads the bundled OCSF sample: three V2 findings, one ASFF twin and one re-import", () => {
        const input = readFindingInputs([path.join(__dirname, "..", "samples", "findings", "05-ocsf-findings.jsonl")]);
        expect(input.skipped).to.deep.equal([]);
        const rows = input.events.map(e => [e.format, e.event.detail.findings[0].class_uid ?? e.event.detail.findings[0].ProductName]);
        expect(rows).to.deep.equal([["OCSF", 2003], ["OCSF", 2004], ["ASFF", "GuardDuty"], ["OCSF", 2002], ["OCSF", 2003]]);
        // The GuardDuty finding in both formats: one id, so one finding's events.
        expect(input.events[1].findingId).to.equal(input.events[2].findingId);
        expect(input.events[0].findingId).to.equal(input.events[4].findingId);
        for (const { event } of input.events.filter(e => e.format === "OCSF")) {
            const finding = event.detail.findings[0];
            expect(event.resources[0]).to.equal(finding.metadata.uid).and.to.match(/^[0-9a-f]{64}$/);
            expect(finding.resources[0].uid).not.to.match(/^arn:/);
        }
        expect(input.events[3].event.detail.findings[0].remediation).to.equal(undefined);
    });

    it("scans records across window boundaries as JSON.parse reads them (a 61-byte window), offsets and positions included", () => {
        const events = [findingEvent(), findingEvent({ severity: "LOW" })];
        events[1].detail.findings[0].Title = "caf\u00e9 \u{1f600} \"quoted\" \\ back\nslash";
        const text = `[\n  ${JSON.stringify(events[0], null, 1)},\n${JSON.stringify(events[1])}]\n{"Findings": [${JSON.stringify(events[0].detail.findings[0])}, 1e-7, -0.5E+3, true, null, []], "NextToken": "x"}{"a":"\u00e9"}`;
        const file = write("windows.json", text);
        const win = new FileWindow(file, 61);
        try {
            const items = [...scanJson(win)];
            const bytes = Buffer.from(text);
            const parsed = (s: { offset: number; end: number }) => JSON.parse(bytes.subarray(s.offset, s.end).toString());
            const elements = items.filter(i => i.type === "element");
            expect(elements.map(e => parsed(e.span))).to.deep.equal(events);
            const tops = items.filter(i => i.type === "top");
            const at = (needle: string) => {
                const offset = Buffer.byteLength(text.slice(0, text.indexOf(needle)));
                const before = text.slice(0, text.indexOf(needle));
                return [offset, before.split("\n").length, before.length - before.lastIndexOf("\n")];
            };
            expect(tops.map(t => [t.kind, t.span.offset, t.span.line, t.span.column, t.followed])).to.deep.equal([["array", 0, 1, 1, true], ["object", ...at('{"Findings"'), true], ["object", ...at('{"a"'), false]]);
            const get = tops[1];
            expect(get.type === "top" && Array.isArray(get.findings) ? get.findings.map(parsed) : undefined).to.deep.equal([events[0].detail.findings[0], 1e-7, -500, true, null, []]);
            expect(parsed(tops[2].span)).to.deep.equal({ a: "é" });
        } finally {
            win.close();
        }
        // The same through the reader: the finding and the events, nothing lost at the boundaries.
        expect(readFindingInputs([file]).events.map(e => e.findingId)).to.deep.equal([...events, events[0]].map(e => e.detail.findings[0].Id));
    });

    it("reads a JSON Lines line longer than the reader's window (3 MB)", () => {
        const event = findingEvent();
        event.detail.findings[0].Description = "x".repeat(3 * 1024 * 1024);
        const input = readFindingInputs([write("long.jsonl", `${JSON.stringify(findingEvent())}\n${JSON.stringify(event)}\n${JSON.stringify(findingEvent())}`)]);
        expect(input.unreadable).to.deep.equal([]);
        expect(input.events.map(e => path.basename(e.source))).to.deep.equal(["long.jsonl:1", "long.jsonl:2", "long.jsonl:3"]);
        expect(input.events[1].event).to.deep.equal(event);
    });

    it("replays from the index: each finding's events read back from the file in time order, --limit keeping the first findings", () => {
        const [a, b] = [findingEvent(), findingEvent()];
        const later = structuredClone(a);
        later.time = "2030-01-01T00:00:00Z";
        const earlier = structuredClone(a);
        earlier.time = "2000-01-01T00:00:00Z";
        const file = write("indexed.json", JSON.stringify({ Findings: [b.detail.findings[0]] }) + JSON.stringify([later, earlier]));
        const { input } = indexFindingInputs([file]);
        expect(input.events).to.equal(3);
        const findings = input.findings();
        expect(findings.map(f => input.eventsOf(f).map(e => [e.order, path.basename(e.item.source), e.item.event.time]))).to.deep.equal([
            [[2, "indexed.json:1:" + (JSON.stringify({ Findings: [b.detail.findings[0]] }).length + 1) + "[1]", "2000-01-01T00:00:00Z"], [1, "indexed.json:1:" + (JSON.stringify({ Findings: [b.detail.findings[0]] }).length + 1) + "[0]", "2030-01-01T00:00:00Z"]],
            [[0, "indexed.json:1 Findings[0]", b.detail.findings[0].UpdatedAt]],
        ]);
        input.limit(1);
        expect(input.events).to.equal(1);
        expect(input.findings().map(f => input.eventsOf(f)[0].item.findingId)).to.deep.equal([b.detail.findings[0].Id]);
        input.close();
    });
});
