import { spawnSync } from "child_process";
import * as path from "path";
import { PROJECT_DIR } from "../../offline/stackConfig";

/**
 * Runs `npm run <script>` the way a user does: scripts/<name>.ts in a child process whose working
 * directory is the project, with INIT_CWD (where npm was started; relative paths are taken from
 * there) set to `initCwd`, the project by default.
 */
export function runScript(name: string, args: string[], options: { initCwd?: string } = {}): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join(PROJECT_DIR, "scripts", `${name}.ts`), ...args], {
        cwd: PROJECT_DIR, encoding: "utf8", env: { ...process.env, INIT_CWD: options.initCwd ?? PROJECT_DIR },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
