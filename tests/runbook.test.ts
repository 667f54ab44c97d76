import { expect } from "chai";
import * as path from "path";
import * as yaml from "js-yaml";
import { spawnSync } from "child_process";
import * as os from "os";
import { loadRunbook, parseRunbook, RunbookError, runbookFileProblem } from "../lib/runbook";
import { AUTOMATION_LIMITS } from "../lib/limits";
import { bundledRunbookPath, RUNBOOK_LANGUAGES } from "../lib/settings";
import { PROJECT_DIR } from "../offline/stackConfig";
import * as fs from "fs";
import { DYNAMIC_PARAMETER_TYPES, PLAN_DYNAMIC_PARAMETERS, runbookParameterProblems } from "../lib/runbookParameters";

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

    const bundled = (language: string) => loadRunbook(bundledRunbookPath(PROJECT_DIR, language as "en" | "ja"));

    it("stay in step: English and Japanese have the same steps, actions, parameters and step graph", () => {
        const shape = (language: string) => {
            const { document } = bundled(language);
            return {
                parameters: document.parameters,
                steps: document.mainSteps.map(s => ({
                    name: s.name, action: s.action, inputs: s.inputs, nextStep: s.nextStep, isEnd: s.isEnd,
                    onFailure: s.onFailure, onCancel: s.onCancel, timeoutSeconds: s.timeoutSeconds,
                })),
            };
        };
        // Parameter descriptions are text in each language; everything else must match exactly.
        const withoutDescriptions = (of: { parameters: unknown; steps: unknown }) => ({
            ...of,
            parameters: Object.fromEntries(Object.entries(of.parameters as Record<string, Record<string, unknown>>).map(([k, v]) => [k, { ...v, description: undefined }])),
        });
        expect(withoutDescriptions(shape("ja"))).to.deep.equal(withoutDescriptions(shape("en")));
        // Incident Manager's two dynamic parameters, and the OpsItem the OpsCenter backend passes (opsItemStartRunbook).
        expect(Object.keys(bundled("en").document.parameters as object)).to.deep.equal(["INCIDENT_RECORD_ARN", "INVOLVED_RESOURCES", "OpsItemId"]);
    });

    it("declare every parameter a response plan passes, with the type Incident Manager fills it into", () => {
        for (const language of RUNBOOK_LANGUAGES) {
            const runbook = bundled(language);
            expect(runbookParameterProblems("securityhub-incidents-prod", runbook, PLAN_DYNAMIC_PARAMETERS), language).to.deep.equal([]);
            const declared = runbook.document.parameters as Record<string, { type: string }>;
            for (const [name, value] of Object.entries(PLAN_DYNAMIC_PARAMETERS)) expect(declared[name].type).to.equal(DYNAMIC_PARAMETER_TYPES[value]);
        }
    });

    it("show the responder the incident and its resources in the first step, and refer to no undeclared parameter", () => {
        for (const language of RUNBOOK_LANGUAGES) {
            const runbook = bundled(language);
            const understand = runbook.document.mainSteps[0].description as string;
            expect(understand, language).to.include("{{INCIDENT_RECORD_ARN}}").and.include("{{INVOLVED_RESOURCES}}");
            const referenced = [...runbook.content.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map(m => m[1]);
            for (const name of referenced) expect(Object.keys(runbook.document.parameters as object), `${language}: {{${name}}}`).to.include(name);
        }
    });

    it("say what the pipeline already did instead of asking: it engaged the plan's people and may resolve the incident itself", () => {
        const said: Record<string, { engaged: RegExp; resolves: RegExp }> = {
            en: { engaged: /do not need to page anyone[\s\S]*picked this incident's response plan by\s+the finding's severity/, resolves: /resolveIncidentsWithFindings, the pipeline resolves it itself/ },
            ja: { engaged: /担当者を呼び出す必要もありません。パイプラインが検出結果の重要度に応じて/, resolves: /resolveIncidentsWithFindings を有効にしている場合は、検出結果が解決されると\s*パイプラインがインシデントを解決済みにします/ },
        };
        for (const language of RUNBOOK_LANGUAGES) {
            const steps = bundled(language).document.mainSteps;
            expect(steps[0].description, language).to.match(said[language].engaged);
            expect(steps[steps.length - 1].description, language).to.match(said[language].resolves);
        }
    });

    it("end by pointing to the post-incident analysis template in the same language, which exists and has the seed's sections", () => {
        const sections: Record<string, string[]> = {
            en: ["## 1. Overview", "## 2. Impact", "## 3. Questions", "### Five whys", "## 4. Action items"],
            ja: ["## 1. 概要", "## 2. 影響", "## 3. 質問", "### なぜなぜ分析", "## 4. アクション項目"],
        };
        for (const language of RUNBOOK_LANGUAGES) {
            const steps = bundled(language).document.mainSteps;
            const template = `post-incident-analysis.${language}.md`;
            expect(steps[steps.length - 1].description, language).to.include(template);
            const text = fs.readFileSync(path.join(PROJECT_DIR, "runbooks", template), "utf8");
            let at = -1;
            for (const heading of sections[language]) {
                const found = text.indexOf(heading);
                expect(found, `${template}: ${heading}`).to.be.above(at);
                at = found;
            }
            expect((text.match(/^[1-5]\. /gm) ?? []).length, `${template}: five whys`).to.be.at.least(5);
        }
    });

    describe("parameters between a plan and its runbook (runbookParameterProblems)", () => {
        const runbookWith = (parameters: Record<string, unknown> | undefined) => ({
            file: "runbooks/mine.yaml",
            document: { schemaVersion: "0.3", mainSteps: [], ...(parameters ? { parameters } : {}) },
        });

        it("accepts a runbook that declares exactly what the plan passes, or more with defaults", () => {
            expect(runbookParameterProblems("p", runbookWith({ INCIDENT_RECORD_ARN: { type: "String" }, INVOLVED_RESOURCES: { type: "StringList" }, Extra: { type: "String", default: "x" } }), PLAN_DYNAMIC_PARAMETERS)).to.deep.equal([]);
        });

        it("refuses a parameter the plan passes that the runbook does not declare, naming plan and parameter", () => {
            expect(runbookParameterProblems("securityhub-incidents-prod-critical", runbookWith({ INCIDENT_RECORD_ARN: { type: "String" } }), PLAN_DYNAMIC_PARAMETERS)).to.deep.equal([
                'response plan "securityhub-incidents-prod-critical" with runbook runbooks/mine.yaml: the plan passes parameter INVOLVED_RESOURCES (INVOLVED_RESOURCES), which the runbook does not declare; add it under parameters with type: StringList',
            ]);
            expect(runbookParameterProblems("p", runbookWith(undefined), PLAN_DYNAMIC_PARAMETERS)).to.have.length(2);
        });

        it("refuses a parameter declared with a type Incident Manager cannot fill", () => {
            expect(runbookParameterProblems("p", runbookWith({ INCIDENT_RECORD_ARN: { type: "StringList" }, INVOLVED_RESOURCES: { type: "StringList" } }), PLAN_DYNAMIC_PARAMETERS)).to.deep.equal([
                'response plan "p" with runbook runbooks/mine.yaml: parameter INCIDENT_RECORD_ARN is declared as StringList, but the plan fills it with INCIDENT_RECORD_ARN, which Incident Manager gives only to a String; declare it with type: String',
            ]);
        });

        it("refuses a required runbook parameter (no default) the plan does not pass, naming plan and parameter", () => {
            expect(runbookParameterProblems("p", runbookWith({ INCIDENT_RECORD_ARN: { type: "String" }, INVOLVED_RESOURCES: { type: "StringList" }, AutomationAssumeRole: { type: "String" } }), PLAN_DYNAMIC_PARAMETERS)).to.deep.equal([
                'response plan "p" with runbook runbooks/mine.yaml: parameter AutomationAssumeRole has no default and the plan does not pass it, so the runbook could not start; give it a default or remove it (the plan passes INCIDENT_RECORD_ARN, INVOLVED_RESOURCES)',
            ]);
        });
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
        expect(problemsOf(fixture("missing.yaml"))).to.deep.equal(["does not exist; give a path (relative to the project) of an SSM Automation YAML document"]);
    });

    describe("files, checked with stat before they are read (issue 14, B)", () => {
        let dir: string;
        beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "runbook-file-")); });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("refuses a directory, a device, a FIFO and a file over 64 KB without reading them", function () {
            expect(runbookFileProblem(dir)).to.equal(`runbook file ${dir} is a directory, not a regular file; give an SSM Automation YAML document`);
            expect(runbookFileProblem("/dev/zero")).to.equal("runbook file /dev/zero is a character device, not a regular file; give an SSM Automation YAML document");
            expect(problemsOf("/dev/null")).to.deep.equal(["is a character device, not a regular file; give an SSM Automation YAML document"]);
            // 600 MB, sparse: read whole it would end in ERR_STRING_TOO_LONG.
            const huge = path.join(dir, "huge.yaml");
            fs.closeSync(fs.openSync(huge, "w"));
            fs.truncateSync(huge, 600 * 1024 * 1024);
            expect(problemsOf(huge)).to.deep.equal(["is 629,145,600 bytes; Systems Manager accepts a document of at most 65,536 bytes (64 KB, MaxDocumentSizeExceeded), so it is not read"]);
            const fifo = path.join(dir, "fifo.yaml");
            if (spawnSync("mkfifo", [fifo]).status !== 0) this.skip();
            // Read, a FIFO would wait for a writer for ever.
            expect(problemsOf(fifo)).to.deep.equal(["is a FIFO (named pipe), not a regular file; give an SSM Automation YAML document"]);
        });

        it("takes a valid runbook from outside the project, as Pulumi does", () => {
            const copy = path.join(dir, "mine.yaml");
            fs.copyFileSync(path.join(PROJECT_DIR, "runbooks", "securityhub-incident.en.yaml"), copy);
            expect(runbookFileProblem(copy)).to.equal(undefined);
            expect(loadRunbook(copy).document.mainSteps.length).to.be.greaterThan(0);
        });
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
                .to.throw(RunbookError, /mine\.yaml: step "Wait" \(mainSteps\[0\]\): timeoutSeconds 2592001 is not a whole number of seconds from 1 to 2592000/);
        });

        it("rejects a runbook over Systems Manager's 64 KB document limit at preview, with its size", () => {
            const long = "      " + "Check the resource's configuration history and who changed it. ".repeat(1700) + "\n";
            const text = source(`  - name: Long\n    action: aws:pause\n    inputs: {}\n    description: |\n${long}`);
            expect(Buffer.byteLength(text)).to.be.within(100_000, 120_000);
            expect(() => parseRunbook("big.yaml", text)).to.throw(RunbookError, /^runbook big\.yaml: the document is 1\d\d,\d{3} bytes as deployed; Systems Manager accepts at most 65,536 \(64 KB, MaxDocumentSizeExceeded\)/);
        });

        it("counts the limit in bytes: 30,000 Japanese characters are over it", () => {
            const text = source(`  - name: Long\n    action: aws:pause\n    inputs: {}\n    description: ${"確".repeat(30000)}\n`);
            expect(text.length).to.be.below(AUTOMATION_LIMITS.documentContentBytes);
            expect(() => parseRunbook("ja.yaml", text)).to.throw(RunbookError, /MaxDocumentSizeExceeded/);
        });
    });
});
