import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { eventForFinding, readFindingInputs } from "../offline/findingInput";
import { findingEvent } from "./support/findings";

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
            ["mixed.json[0]", 'not an EventBridge event (detail-type, source, detail) nor get-findings output ({"Findings": [...]})'],
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
        expect(input.unreadable.map(u => path.basename(u.source))).to.deep.equal(["broken.json", "broken.jsonl:2", "missing.json"]);
        expect(input.unreadable[0].reason).to.match(/^not JSON: /);
        expect(input.unreadable[2].reason).to.equal("no such file or directory");
        expect(input.events).to.deep.equal([]);
    });
});
