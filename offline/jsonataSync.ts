import * as fs from "fs";
import type jsonataModule from "jsonata";

/**
 * The jsonata package's own evaluator, made synchronous for the offline engine.
 *
 * jsonata 2.x evaluates every node of an expression in an `async` function and awaits each
 * child, so that user functions may return promises. Step Functions' expressions never wait for
 * anything (its functions, and the ones the offline engine registers, all return plain values),
 * yet offline each node cost a promise and a trip through the microtask queue: about two thirds
 * of the replay's JSONata time (profile of `npm run bench:simulate`, docs/performance.md).
 *
 * This module reads the installed package's source (the same code Step Functions' version
 * runs), removes `async` and `await` (and the two `await Promise.all(…)` that evaluate an array
 * constructor's items and a group's values), and loads the result. Every evaluation rule is the
 * package's own; only the promises are gone. It also drops the look-up of the two debugging
 * hooks (`jsonata.__evaluate_entry` / `__evaluate_exit`), which walk the whole frame chain twice
 * per node and which nothing offline binds.
 *
 * The rewrite is checked, not hoped for: each pattern must match exactly as often as in the
 * version it was written for, and the package must be that version, or loading fails with a
 * message that says so. tests/jsonataSync.test.ts evaluates every expression of the rendered
 * definitions, for every sample event, with both this build and the published asynchronous one,
 * and requires the same value or error.
 *
 * Differences that remain (a desk review of 2.0.6's source), none of which the definition reaches;
 * the test checks the definitions' expression trees for the first three:
 * - the published package evaluates an array's items and an object's values side by side, so a
 *   binding made in one item (`[$x := 1, $x]`) is seen by the next only here;
 * - an object whose `then` is a function (a regex, a lambda) is awaited there as a promise;
 * - sorting (`$sort`, `^(…)`) merges recursively, here on one call stack: about 16,000 items
 *   overflow it, as does a lambda recursing about 1,000 deep without a tail call (tail calls are fine);
 * - when several items fail, which error is reported, and an error's `position`, can differ (the
 *   replay's errors carry only the message);
 * - a registered function that returns a promise would hand the promise on as a value (offline,
 *   none does).
 */

/** The jsonata version the rewrite is written for (package.json pins it; Step Functions runs 2.0.x). */
export const JSONATA_VERSION = "2.0.6";

interface Rewrite {
    what: string;
    pattern: RegExp;
    replacement: string;
    /** How often it matches in jsonata 2.0.6's jsonata.js. */
    expected: number;
}

const REWRITES: Rewrite[] = [
    { what: "awaits of Promise.all (array constructor items, group values)", pattern: /\bawait Promise\.all\(/g, replacement: "(", expected: 2 },
    { what: "async functions", pattern: /\basync\s+(?=function\b|\()/g, replacement: "", expected: 46 },
    { what: "awaits", pattern: /\bawait\s+/g, replacement: "", expected: 102 },
    { what: "look-ups of the debugging hooks", pattern: /environment\.lookup\(Symbol\.for\('jsonata\.__evaluate_(?:entry|exit)'\)\)/g, replacement: "undefined", expected: 2 },
];

/** A synchronous jsonata expression: the package's interface, with `evaluate` returning the value itself. */
export interface SyncExpression extends Omit<jsonataModule.Expression, "evaluate"> {
    evaluate(input: unknown, bindings?: Record<string, unknown>): unknown;
}

export type SyncJsonata = (expression: string) => SyncExpression;

/**
 * jsonata.js rewritten without promises. Fails, naming what differs, when the version or any
 * pattern's count is not the one the rewrite was checked against.
 */
export function synchronousSource(source: string, version: string): string {
    if (version !== JSONATA_VERSION) {
        throw new Error(`offline/jsonataSync.ts: the installed jsonata is ${version}; its synchronous build is checked against ${JSONATA_VERSION} only (run npm ci, or check the rewrite against the new version)`);
    }
    for (const rewrite of REWRITES) {
        const found = source.match(rewrite.pattern)?.length ?? 0;
        if (found !== rewrite.expected) {
            throw new Error(`offline/jsonataSync.ts: jsonata ${version} has ${found} ${rewrite.what}, not the ${rewrite.expected} its synchronous build expects`);
        }
        source = source.replace(rewrite.pattern, rewrite.replacement);
    }
    return source;
}

function load(): SyncJsonata {
    const version = (JSON.parse(fs.readFileSync(require.resolve("jsonata/package.json"), "utf8")) as { version: string }).version;
    const source = synchronousSource(fs.readFileSync(require.resolve("jsonata"), "utf8"), version);
    const module = { exports: {} as unknown };
    // The package is a browserify bundle that assigns module.exports; it requires nothing else.
    new Function("module", "exports", "require", `${source}\n//# sourceURL=jsonata-sync.js`)(module, module.exports, require);
    return module.exports as SyncJsonata;
}

export const jsonataSync: SyncJsonata = load();
