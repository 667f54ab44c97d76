import { expect } from "chai";
import * as path from "path";
import * as yaml from "js-yaml";
import { loadRunbook, parseRunbook, RunbookError } from "../lib/runbook";
import { AUTOMATION_LIMITS } from "../lib/limits";
import { bundledRunbookPath, RUNBOOK_LANGUAGES } from "../lib/settings";
import { PROJECT_DIR } from "../offline/stackConfig";

const fixture = (name: string) => path.join(__dirname, "fixtures", "runbooks", name);

function problemsOf(file: string): string[] {
    try {
        loadRunbook(file);
    } catch (err) {
        expect(err).to.be.instanceOf(RunbookError);
        expect((err as Error).message).to.include(file);
        return (err as RunbookError).problems;
    }
    throw new Error(`${file} was accepted`);
}

describe("runbooks", () => {
    for (const language of RUNBOOK_LANGUAGES) {
        it(`the ${language} runbook follows the four phases as pause steps`, () => {
            const runbook = loadRunbook(bundledRunbookPath(PROJECT_DIR, language));
            const steps = runbook.document.mainSteps;
            expect(steps.map(s => s.name)).to.deep.equal(["Understand", "Investigation", "Report", "Recovery"]);
            expect(steps.every(s => s.action === "aws:pause")).to.equal(true);
            expect(steps.map(s => s.nextStep)).to.deep.equal(["Investigation", "Report", "Recovery", undefined]);
            expect(steps[3].isEnd).to.equal(true);
            for (const step of steps) expect(step.description, step.name).to.be.a("string").and.have.length.above(100);
            expect(runbook.content).to.include("schemaVersion: '0.3'");
        });
    }

    it("no longer asks the responder to mark the finding NOTIFIED: the pipeline says it did", () => {
        const said: Record<string, RegExp> = { en: /the pipeline has already set its workflow status to\s+NOTIFIED/, ja: /パイプラインがワークフローステータスをすでに\s*「通知済み \(NOTIFIED\)」にし/ };
        for (const language of RUNBOOK_LANGUAGES) {
            const understand = loadRunbook(bundledRunbookPath(PROJECT_DIR, language)).document.mainSteps[0].description as string;
            expect(understand, language).to.match(said[language]);
            expect(understand, language).not.to.match(/set the finding's workflow status to NOTIFIED|「通知済み \(NOTIFIED\)」に変更し、/);
        }
    });

    it("tells responders about every related item the workflow adds", () => {
        for (const language of RUNBOOK_LANGUAGES) {
            const understand = loadRunbook(bundledRunbookPath(PROJECT_DIR, language)).document.mainSteps[0].description as string;
            for (const title of ["Security Hub finding", "Related resource", "Finding ID", "Remediation"]) expect(understand, `${language}: ${title}`).to.include(title);
        }
    });

    it("rejects a misspelt action, naming the step and the allowed actions", () => {
        const [problem] = problemsOf(fixture("misspelt-action.yaml"));
        expect(problem).to.match(/^step "Investigation" \(mainSteps\[1\]\) field action: must be equal to one of the allowed values; allowed: .*aws:pause/);
    });

    it("rejects a nextStep that is not a step", () => {
        expect(problemsOf(fixture("dangling-next-step.yaml"))).to.deep.equal([
            'step "Understand" (mainSteps[0]): nextStep "Investigate" is not a step; steps are Understand, Investigation',
        ]);
    });

    it("rejects two steps with one name", () => {
        expect(problemsOf(fixture("duplicate-step.yaml"))[0]).to.match(/step "Report" \(mainSteps\[1\]\): the name is used by an earlier step/);
    });

    it("rejects a runbook that never ends", () => {
        expect(problemsOf(fixture("no-end.yaml"))).to.deep.equal(["no step ends the runbook; set isEnd: true on the last step"]);
    });

    it("rejects an onFailure jump to a missing step", () => {
        expect(problemsOf(fixture("bad-on-failure.yaml"))[0]).to.match(/step "Understand" \(mainSteps\[0\]\): onFailure "step:Rollback" is not Abort, Continue or step:<name> of an existing step/);
    });

    it("rejects text that is not YAML, with the line", () => {
        expect(problemsOf(fixture("not-yaml.yaml"))[0]).to.match(/^not valid YAML: .*\(\d+:\d+\)/);
    });

    it("rejects a file that is not there", () => {
        expect(problemsOf(fixture("missing.yaml"))).to.deep.equal(["cannot be read: ENOENT"]);
    });

    describe("as deployed", () => {
        const source = (steps: string) => `schemaVersion: '0.3'\ndescription: test\nmainSteps:\n${steps}`;
        const pause = (name: string, extra = "") => `  - name: ${name}\n    action: aws:pause\n    inputs: {}\n${extra}`;

        it("sets the pause timeout on pause steps without one and keeps a step's own", () => {
            const runbook = parseRunbook("mine.yaml", source(pause("A") + pause("B", "    timeoutSeconds: '3600'\n") + pause("C", "    isEnd: true\n")), { pauseTimeoutSeconds: 86400 });
            const deployed = yaml.load(runbook.content) as { mainSteps: Array<{ timeoutSeconds: unknown }> };
            expect(deployed.mainSteps.map(s => s.timeoutSeconds)).to.deep.equal([86400, "3600", 86400]);
        });

        it("rejects a step whose own timeout is over aws:pause's 30 days, naming the step", () => {
            expect(() => parseRunbook("mine.yaml", source(pause("Wait", "    timeoutSeconds: 2592001\n")), { pauseTimeoutSeconds: 86400 }))
                .to.throw(RunbookError, /mine\.yaml is invalid:\n {2}- step "Wait" \(mainSteps\[0\]\): timeoutSeconds 2592001 is not a whole number of seconds from 1 to 2592000/);
        });

        it("rejects a runbook over Systems Manager's 64 KB document limit at preview, with its size", () => {
            const long = "      " + "Check the resource's configuration history and who changed it. ".repeat(1700) + "\n";
            const text = source(`  - name: Long\n    action: aws:pause\n    inputs: {}\n    description: |\n${long}`);
            expect(Buffer.byteLength(text)).to.be.within(100_000, 120_000);
            expect(() => parseRunbook("big.yaml", text)).to.throw(RunbookError, /big\.yaml is invalid:\n {2}- the document is 1\d\d,\d{3} bytes as deployed; Systems Manager accepts at most 65,536 \(64 KB, MaxDocumentSizeExceeded\)/);
        });

        it("counts the limit in bytes: 30,000 Japanese characters are over it", () => {
            const text = source(`  - name: Long\n    action: aws:pause\n    inputs: {}\n    description: ${"確".repeat(30000)}\n`);
            expect(text.length).to.be.below(AUTOMATION_LIMITS.documentContentBytes);
            expect(() => parseRunbook("ja.yaml", text)).to.throw(RunbookError, /MaxDocumentSizeExceeded/);
        });
    });
});
