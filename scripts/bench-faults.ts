/**
 * The whole fault matrix (tests/support/faultMatrix.ts): every Task state of the rendered
 * definition × every error class × every scenario that reaches the state. Prints state × error
 * class → outcome (the scenarios where it is not ok) and the measured time; exits 1 when a cell
 * breaks the invariant or does not recover. `--ci` runs the fixed subset the tests run;
 * `--state A,B` only the rows of those states; `--backend opscenter` the OpsCenter backend's
 * definition (with opsItemStartRunbook) instead of Incident Manager's.
 */
import { LocalDynamoDb } from "../offline/localDynamoDb";
import { CellResult, cellKey, FAULT_CLASSES, FaultMatrix, HOLDS, matrixStates, planCells } from "../tests/support/faultMatrix";

async function main(): Promise<number> {
    const mode = process.argv.includes("--ci") ? "ci" : "all";
    const started = Date.now();
    const dynamoDb = await LocalDynamoDb.start();
    try {
        const backend = process.argv.includes("--backend") ? process.argv[process.argv.indexOf("--backend") + 1] : "incident-manager";
        if (backend !== "incident-manager" && backend !== "opscenter") throw new Error(`--backend ${backend}: use incident-manager or opscenter`);
        const matrix = new FaultMatrix(dynamoDb, backend);
        const plan = await planCells(matrix, mode);
        // --state A,B: only those states' rows (to measure a row again after a change).
        const only = process.argv.includes("--state") ? new Set(process.argv[process.argv.indexOf("--state") + 1].split(",")) : undefined;
        if (only) plan.cells = plan.cells.filter(c => only.has(c.state));
        const results: CellResult[] = [];
        for (const cell of plan.cells) {
            const result = await matrix.cell(cell.scenario, cell.state, cell.faultClass, cell.via);
            results.push(result);
            // Progress on stderr (the matrix is long): one line per cell.
            process.stderr.write(`${results.length}/${plan.cells.length} ${cellKey(result)}: ${result.outcome}\n`);
        }
        const seconds = (Date.now() - started) / 1000;

        const header = ["state", ...FAULT_CLASSES];
        const rows = matrixStates(backend).filter(state => !only || only.has(state)).map(state => [state, ...FAULT_CLASSES.map(c => {
            const cells = results.filter(r => r.state === state && r.faultClass === c);
            if (cells.length === 0) return "-";
            const bad = cells.filter(r => r.outcome !== "ok");
            return bad.length === 0 ? `ok (${cells.length})` : bad.map(r => `${HOLDS.has(r.outcome) ? r.outcome : r.outcome.toUpperCase()}:${r.scenario}`).join(" ");
        })]);
        console.log(`| ${header.join(" | ")} |`);
        console.log(`| ${header.map(() => "---").join(" | ")} |`);
        for (const row of rows) console.log(`| ${row.join(" | ")} |`);
        const bad = results.filter(r => !HOLDS.has(r.outcome));
        const noted = results.filter(r => r.outcome === "noted");
        console.log("");
        console.log(`${results.length} cells (${mode}), ${bad.length} not holding, ${noted.length} noted (documented skips), ${plan.unreached.length} states unreached${plan.unreached.length ? ": " + plan.unreached.join(", ") : ""}; ${seconds.toFixed(1)} s`);
        for (const r of [...bad, ...noted]) console.log(`  ${cellKey(r)}${r.via ? ` after ${r.via.state} fails` : ""}: ${r.outcome}: ${r.detail}`);
        return bad.length > 0 || plan.unreached.length > 0 ? 1 : 0;
    } finally {
        await dynamoDb.stop();
    }
}

main().then(code => { process.exitCode = code; }, err => { console.error(err instanceof Error ? err.message : String(err)); process.exitCode = 2; });
