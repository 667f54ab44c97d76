import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import jsonata from "jsonata";
import { loadSettings, workflowSettingsOf } from "../lib/settings";
import { renderStateMachineDefinition } from "../lib/stateMachineDefinition";
import { JSONATA_VERSION, jsonataSync, synchronousSource } from "../offline/jsonataSync";
import { evaluateString } from "../offline/stepFunctionsJsonata";
import { readFindingInputs } from "../offline/findingInput";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { CORPUS, corpusFindings, eventOf } from "./support/corpus";
import { expressionsOf } from "./support/expressions";

const SAMPLES = path.join(PROJECT_DIR, "samples", "findings");

/** Every published finding of the shared corpus, as the event Security Hub sends. */
function corpusEvents(): Record<string, any>[] {
    const dir = fs.existsSync(CORPUS) ? CORPUS : "/work/shared/real-findings";
    const files: string[] = [];
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const full = path.join(d, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith(".json")) files.push(path.relative(dir, full));
        }
    };
    walk(dir);
    return files.flatMap(file => corpusFindings(file).filter(f => f && typeof f === "object" && (f.Id || f.finding_info)).map(f => eventOf(f)));
}

/** A value or an error, comparable. */
const settle = (p: Promise<unknown>) => p.then(v => ({ v }), (e: Error) => ({ e: `${e.name}: ${e.message}` }));

/** The same expression and input through the synchronous build and the package as published: value, or error code and message. */
async function both(expression: string, input: unknown, bindings: Record<string, unknown> = {}) {
    const outcome = async (f: () => unknown) => {
        try {
            return { v: JSON.stringify(await f()) };
        } catch (err) {
            const e = err as { code?: string; message?: string; position?: number; token?: string };
            return { e: [e.code, e.message, e.position, e.token] };
        }
    };
    return {
        sync: await outcome(() => jsonataSync(expression).evaluate(input, bindings)),
        published: await outcome(() => jsonata(expression).evaluate(input, bindings)),
    };
}

describe("the synchronous build of jsonata the replay evaluates with (offline/jsonataSync.ts)", function () {
    this.timeout(180000);

    it("gives every expression of the dev, prod and OpsCenter definitions the value or error the published package gives, for the sample events and the published findings of the corpus", async () => {
        const samples = readFindingInputs([SAMPLES]).events.map(e => e.event as Record<string, any>);
        const corpus = corpusEvents();
        expect(samples.length).to.be.greaterThan(20);
        expect(corpus.length).to.be.greaterThan(15);
        let compared = 0;
        let errors = 0;
        // Each stack's definition over one of the two sets of events (every expression over both would double the time, not the reach).
        for (const [stack, events] of [["dev", samples], ["prod", corpus], ["opscenter", [...samples, ...corpus]]] as const) {
            const settings = { ...loadSettings(readStackConfig(stack).read, PROJECT_DIR), findingFormats: ["ASFF", "OCSF"] as Array<"ASFF" | "OCSF"> };
            const definition = renderStateMachineDefinition({ tableName: `${stack}-dedup`, responsePlanArn: "arn:aws:ssm-incidents::111122223333:response-plan/p", ...workflowSettingsOf(settings, "runbook-document") });
            const expressions = expressionsOf(definition);
            for (const [i, event] of (events as Record<string, any>[]).entries()) {
                const context = { Execution: { Id: `arn:aws:states:us-east-1:111122223333:execution:m:e${i}`, Name: `e${i}`, Input: event, StartTime: event.time }, State: { Name: "S", EnteredTime: event.time } };
                // State inputs and results of the shapes the states see: the event, a record read back, a failed call.
                const states = {
                    input: { ...event, IncidentArn: "arn:aws:ssm-incidents::111122223333:incident-record/p/1", StormItem: "#storm|x", OpsItemId: "oi-0123456789ab" },
                    context,
                    result: { Item: { FindingId: { S: "k" }, IncidentArn: { S: "arn:i" }, Members: { SS: ["a", "b"] } }, UnprocessedFindings: [], OpsItemId: "oi-0123456789ab" },
                    errorOutput: { Error: "States.TaskFailed", Cause: "{\"message\":\"x\"}" },
                };
                for (const expression of expressions) {
                    // What the replay runs (synchronous, constant blocks once per execution) against Step Functions' way (published package, every part afresh).
                    const replayed = await settle(evaluateString(expression, states));
                    const reference = await settle(evaluateString(expression, states, { executionConstants: false, library: "published" }));
                    expect(replayed, `${stack}: ${expression.slice(0, 200)}`).to.deep.equal(reference);
                    compared++;
                    if ("e" in reference) errors++;
                }
            }
        }
        expect(compared).to.be.greaterThan(5000);
        // Some states' expressions fail on inputs of other states' shapes: errors are compared too.
        expect(errors).to.be.greaterThan(0);
    });

    it("evaluates the language's constructs whose code awaited (items, groups, lambdas, higher-order and regex functions, sorting, transforms, tail calls) as the published package does", async () => {
        const input = {
            Account: { Order: [
                { ID: "a", Product: [{ Name: "Bowler", SKU: "0406", Price: 34.45, Quantity: 2 }, { Name: "Trilby", SKU: "0406", Price: 21.67, Quantity: 1 }] },
                { ID: "b", Product: [{ Name: "Cloak", SKU: "0201", Price: 107.99, Quantity: 1 }, { Name: "Bowler", SKU: "0406", Price: 34.45, Quantity: 4 }] },
            ] },
            findings: [{ Id: "arn:aws:securityhub:eu-west-3:1:x/1", Severity: { Label: "HIGH" }, Resources: [{ Id: "r1" }, { Id: "r2" }] }, { Id: "f2", Severity: { Label: "LOW" } }],
        };
        const expressions = [
            "[1, [2, 3], [], [[4]], Account.Order.ID]",
            "Account.Order.Product{ Name: $sum(Price * Quantity) }",
            "Account.Order{ ID: $count(Product) }",
            "Account.Order.Product{ SKU: Name[] }",
            "Account.Order.Product^(>Price, Name).Name",
            "$sort(Account.Order.Product, function($l, $r) { $l.Price > $r.Price }).Name",
            "$map(Account.Order.Product, function($v, $i) { $v.Name & '#' & $i })",
            "$filter(Account.Order.Product, function($v) { $v.Quantity > 1 }).SKU",
            "$reduce(Account.Order.Product.Price, function($a, $b) { $a + $b }, 0)",
            "$single(Account.Order, function($o) { $o.ID = 'b' }).ID",
            "$single(Account.Order, function($o) { true })",
            "$sift(Account.Order[0].Product[0], function($v, $k) { $k ~> /^(N|P)/ })",
            "$each(Account.Order[0].Product[0], function($v, $k) { $k & '=' & $v })",
            "$replace('a-b-c', /-/, function($m) { '+' & $m.index })",
            "$replace('aXbXc', 'X', '/', 1)",
            "$match('ab12cd345', /[0-9]+/).match",
            "$split('a1b22c', /[0-9]+/)",
            "$contains('Security Hub', /hub/i)",
            "( $add := function($a, $b) { $a + $b }; $inc := $add(?, 1); [1, 2] ~> $map($inc) )",
            "Account.Order[0] ~> | Product | { 'Total': Price * Quantity }, ['SKU'] |",
            "( $f := function($n, $acc) { $n = 0 ? $acc : $f($n - 1, $acc + $n) }; $f(2000, 0) )",
            "( $fact := function($n) { $n <= 1 ? 1 : $n * $fact($n - 1) }; $fact(20) )",
            "Account.Order.Product[Price > 30][0].Name",
            "Account.Order#$i.Product[$i = 1].Name",
            "Account.Order@$o.Product@$p.{ 'o': $o.ID, 'p': $p.Name }",
            "Account.Order.Product.%.ID",
            "**.SKU",
            "findings.Resources[0].Id",
            "findings[Severity.Label in ['HIGH', 'CRITICAL']].Id ~> $substringAfter('/')",
            "$keys(Account.Order[0].Product[0])",
            "$lookup(findings, 'Id')",
            "$spread(Account.Order[0].Product[0])",
            "$merge([{ 'a': 1 }, { 'b': 2 }, { 'a': 3 }])",
            "$zip([1, 2], ['a', 'b'])",
            "$distinct(Account.Order.Product.SKU)",
            "$string(Account.Order[0], true)",
            "$formatNumber(1234.5678, '#,##0.00')",
            "$toMillis('2026-12-01T18:00:00.000Z')",
            "$fromMillis(1796061600000, '[Y0001]-[M01]-[D01]')",
            "false and $error('not evaluated')",
            "true or $error('not evaluated')",
            "Account.Order.Product[0].Price > 30 ? 'dear' : 'cheap'",
            "[1, $error('in an array constructor'), 3]",
            "Account.Order{ ID: $error('in a group') }",
            "$map([1, 2], function($v) { $v = 2 ? $error('in a lambda') : $v })",
            "$sort([3, 1, 2], function($a, $b) { $error('in a comparator') })",
            "Account.Order{ $count(Product): ID }",
            "1 + 'a'",
            "$undefinedFunction(1)",
            "Account.Order.Product.Price.$foo()",
            "$assert(false, 'asserted')",
        ];
        for (const expression of expressions) {
            const { sync, published } = await both(expression, input);
            expect(sync, expression).to.deep.equal(published);
        }
        // Registered functions, and bindings that are functions (how the replay hands over execution-constant blocks).
        for (const [expression, bindings] of [["$twice(21)", { twice: (n: number) => n * 2 }], ["$k() & '!'", { k: () => "v" }], ["$v.a", { v: { a: [1, 2] } }]] as const) {
            const { sync, published } = await both(expression, {}, bindings);
            expect(sync, expression).to.deep.equal(published);
        }
    });

    it("differs from the published package only where the rendered definitions never go (checked on their expression trees)", async () => {
        // Where the two builds differ (a desk review of jsonata 2.0.6): the published package evaluates an array's items and an
        // object's values side by side, so a binding made in one item is seen by the next only in the synchronous build; an
        // object whose `then` is a function is awaited as a promise; sorting merges recursively, on one stack here.
        expect((await both("[$x := 1, $x]", {})).sync).to.deep.equal({ v: "[1,1]" });
        expect((await both("[$x := 1, $x]", {})).published).to.deep.equal({ v: "[1]" });
        type Node = Record<string, any>;
        const risky: string[] = [];
        const walk = (node: unknown, inItem: boolean, where: string): void => {
            if (Array.isArray(node)) return node.forEach(n => walk(n, inItem, where));
            if (node === null || typeof node !== "object") return;
            const n = node as Node;
            if (n.type === "bind" && inItem) risky.push(`${where}: a binding inside an array item or object value`);
            if (n.type === "sort" || (n.type === "function" && n.procedure?.type === "variable" && n.procedure.value === "sort")) risky.push(`${where}: sorting`);
            for (const [key, value] of Object.entries(n)) {
                if (key === "position" || value === null || typeof value !== "object" || value instanceof RegExp) continue;
                if (n.type === "unary" && n.value === "[" && key === "expressions") walk(value, true, where);
                else if ((n.type === "unary" && n.value === "{" && key === "lhs") || (key === "group" && Array.isArray((value as Node).lhs))) {
                    for (const [k, v] of (key === "group" ? (value as Node).lhs : value) as Array<[Node, Node]>) {
                        if (k.type === "string" && k.value === "then") risky.push(`${where}: an object key "then"`);
                        walk(k, inItem, where);
                        walk(v, true, where);
                    }
                } else if ((n.type === "block" && key === "expressions") || (n.type === "lambda" && key === "body")) walk(value, false, where);
                else walk(value, inItem, where);
            }
        };
        // The walk finds each construct where it is planted, and not where a block gives the binding its own frame.
        for (const [planted, found] of [["[$x := 1, $x]", 1], ["{'a': $y := 2}", 1], ["a{'k': $z := 1}", 1], ["{'then': 1}", 1], ["$sort([2, 1])", 1], ["a^(b)", 1], ["[($w := 1), 2]", 0], ["( $v := 1; [$v] )", 0]] as const) {
            const before = risky.length;
            walk(jsonata(planted).ast(), false, planted);
            expect(risky.length - before, planted).to.equal(found);
        }
        risky.length = 0;
        let scanned = 0;
        for (const stack of ["dev", "prod", "opscenter"]) {
            const settings = { ...loadSettings(readStackConfig(stack).read, PROJECT_DIR), findingFormats: ["ASFF", "OCSF"] as Array<"ASFF" | "OCSF"> };
            const definition = renderStateMachineDefinition({ tableName: `${stack}-dedup`, responsePlanArn: "arn:aws:ssm-incidents::111122223333:response-plan/p", ...workflowSettingsOf(settings, "runbook-document") });
            for (const expression of expressionsOf(definition)) {
                walk(jsonata(expression.slice(2, -2)).ast(), false, `${stack}: ${expression.slice(2, 80)}`);
                scanned++;
            }
        }
        expect(scanned).to.be.greaterThan(100);
        expect(risky).to.deep.equal([]);
    });

    it("refuses to load from a jsonata other than the one it was checked against, saying what differs", () => {
        const source = fs.readFileSync(require.resolve("jsonata"), "utf8");
        expect(() => synchronousSource(source, JSONATA_VERSION)).not.to.throw();
        expect(() => synchronousSource(source, "2.1.0")).to.throw(/installed jsonata is 2\.1\.0; its synchronous build is checked against 2\.0\.6/);
        expect(() => synchronousSource(source.replace("await evaluate(", "evaluate("), JSONATA_VERSION)).to.throw(/has 101 awaits, not the 102/);
        expect(() => synchronousSource(`${source}\nasync function extra() {}`, JSONATA_VERSION)).to.throw(/has 47 async functions, not the 46/);
        expect(synchronousSource(source, JSONATA_VERSION)).not.to.match(/\bawait\s|\basync\s+function/);
    });
});
