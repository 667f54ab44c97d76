import * as http from "http";
import * as path from "path";
import { ChildProcess, fork } from "child_process";
import { DEDUP_KEY_ATTRIBUTE } from "../lib/stateMachineDefinition";
import { DYNAMODB_LIMITS } from "../lib/limits";
import { StatesError } from "./stepFunctionsJsonata";
import { InProcessDynalite, InProcessDynaliteError } from "./inProcessDynalite";

/** The item operations Step Functions' optimized DynamoDB integration offers. */
const OPERATIONS = ["GetItem", "PutItem", "UpdateItem", "DeleteItem"];

/** An error DynamoDB returned: its short name (e.g. ConditionalCheckFailedException) and message. */
export class DynamoDbError extends Error {}

/** The error in a DynamoDB error response body (`__type` names it after a "#"). */
function dynamoDbError(data: { __type?: string; message?: string; Message?: string }, statusCode?: number): DynamoDbError {
    const error = new DynamoDbError(data.message ?? data.Message ?? `HTTP ${statusCode ?? 400}`);
    error.name = String(data.__type ?? "InternalServerError").split("#").pop()!;
    return error;
}

/** Which DynamoDB answers: dynalite's code in this process (default), or dynalite over HTTP in a child process. */
export type DynamoDbBackend = "in-process" | "dynalite";
export const DYNAMODB_BACKENDS: DynamoDbBackend[] = ["in-process", "dynalite"];

/**
 * DynamoDB, offline: dynalite (in memory). By default its own validation and actions run in this
 * process (offline/inProcessDynalite.ts), which is what a long replay needs: about half of the
 * replay's time went to the HTTP exchange. `dynalite` runs it as a server in a child process of its
 * own on loopback, spoken to over DynamoDB's JSON protocol (the differential test and
 * `--dynamodb dynalite` compare the two). Either way the request body of an operation is its API
 * request as Step Functions' optimized integration passes it (the state's parameters), sent as
 * JSON, so the shapes the workflow sends are the shapes DynamoDB checks.
 */
export class LocalDynamoDb {
    private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    /**
     * Up to this many milliseconds of random delay before each request, so that concurrent
     * executions interleave their calls the way they can against the real service.
     */
    jitterMs = 0;
    private readonly faults: Array<{ operation: string; errorName: string; afterApplying: boolean }> = [];
    /** Each table's key attributes (from CreateTable), whose values DynamoDB limits in bytes. */
    private readonly keyAttributes = new Map<string, string[]>();
    /** When set, every call and its outcome is handed to it (the differential test records the workflow's calls). */
    onCall?: (call: { operation: string; request: unknown; response?: Record<string, any>; error?: { name: string; message: string } }) => void;

    /**
     * The next `times` calls of `operation` (e.g. "PutItem") fail with `errorName`, as DynamoDB
     * would. With `afterApplying`, each call is carried out first and only its response is lost
     * (a 500 or a timeout after the write was applied): the caller sees the error, the table has
     * the change.
     */
    failNext(operation: string, errorName: string, times = 1, options: { afterApplying?: boolean } = {}): void {
        for (let i = 0; i < times; i++) this.faults.push({ operation, errorName, afterApplying: options.afterApplying ?? false });
    }

    private constructor(
        readonly backend: DynamoDbBackend,
        private readonly server?: ChildProcess,
        readonly endpoint?: URL,
        private readonly inProcess?: InProcessDynalite,
    ) {}

    static async start(options: { backend?: DynamoDbBackend } = {}): Promise<LocalDynamoDb> {
        const backend = options.backend ?? "in-process";
        if (backend === "in-process") return new LocalDynamoDb(backend, undefined, undefined, new InProcessDynalite());
        const server = fork(path.join(__dirname, "dynalite-process.js"), [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
        const port = await new Promise<number>((resolve, reject) => {
            server.once("message", (message: { port: number }) => resolve(message.port));
            server.once("error", reject);
            server.once("exit", code => reject(new Error(`dynalite exited with code ${code} before it listened`)));
        });
        server.removeAllListeners("exit");
        return new LocalDynamoDb(backend, server, new URL(`http://127.0.0.1:${port}/`));
    }

    /** The dynalite child process's id (benchmarks add its memory to the replay's), if there is one. */
    get serverPid(): number | undefined {
        return this.server?.pid;
    }

    /** One DynamoDB API call (e.g. "PutItem"); throws DynamoDbError with the service's error name. */
    async request(operation: string, body: unknown): Promise<Record<string, any>> {
        if (!this.onCall) return this.dispatch(operation, body);
        try {
            const response = await this.dispatch(operation, body);
            this.onCall({ operation, request: body, response });
            return response;
        } catch (err) {
            this.onCall({ operation, request: body, error: { name: (err as Error).name, message: (err as Error).message } });
            throw err;
        }
    }

    private async dispatch(operation: string, body: unknown): Promise<Record<string, any>> {
        const index = this.faults.findIndex(f => f.operation === operation);
        if (index >= 0) {
            const fault = this.faults.splice(index, 1)[0];
            if (fault.afterApplying) await this.dispatch(operation, body).catch(() => undefined);
            const error = new DynamoDbError(`injected ${fault.errorName}${fault.afterApplying ? " after the request was applied" : ""}`);
            error.name = fault.errorName;
            throw error;
        }
        this.checkKeySize(operation, body as Record<string, any>);
        const payload = JSON.stringify(body);
        if (this.jitterMs > 0) await new Promise(resolve => setTimeout(resolve, Math.random() * this.jitterMs));
        const response = await (this.inProcess ? this.answer(operation, payload) : this.send(operation, payload));
        if (operation === "CreateTable") {
            const schema = (body as { KeySchema?: Array<{ AttributeName: string }> }).KeySchema ?? [];
            this.keyAttributes.set((body as { TableName: string }).TableName, schema.map(k => k.AttributeName));
        }
        return response;
    }

    /** An in-process answer, its errors named as the HTTP response's `__type` would name them. */
    private async answer(operation: string, payload: string): Promise<Record<string, any>> {
        try {
            return await this.inProcess!.request(operation, payload);
        } catch (err) {
            if (!(err instanceof InProcessDynaliteError)) throw err;
            throw dynamoDbError(err.body);
        }
    }

    /**
     * One HTTP exchange. A kept-alive socket the server closed at the moment it was reused fails
     * before any response (ECONNRESET): that is the transport, not DynamoDB, and is sent again,
     * as the AWS SDK would, rather than surfacing as a task failure the workflow would retry.
     */
    private send(operation: string, payload: string, attempt = 1): Promise<Record<string, any>> {
        return new Promise((resolve, reject) => {
            const req = http.request(this.endpoint!, {
                method: "POST",
                agent: this.agent,
                headers: {
                    "Content-Type": "application/x-amz-json-1.0",
                    "Content-Length": Buffer.byteLength(payload),
                    "X-Amz-Target": `DynamoDB_20120810.${operation}`,
                    "X-Amz-Date": "20260101T000000Z",
                    // dynalite checks that requests are signed, not the signature itself.
                    "Authorization": "AWS4-HMAC-SHA256 Credential=offline/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=offline",
                },
            }, res => {
                const chunks: Buffer[] = [];
                res.on("data", chunk => chunks.push(chunk));
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    const data = text ? JSON.parse(text) : {};
                    if (res.statusCode === 200) return resolve(data);
                    reject(dynamoDbError(data, res.statusCode));
                });
                res.on("error", reject);
            });
            req.on("error", err => {
                const code = (err as NodeJS.ErrnoException).code;
                if ((code === "ECONNRESET" || code === "EPIPE") && attempt < 3) resolve(this.send(operation, payload, attempt + 1));
                else reject(err);
            });
            req.end(payload);
        });
    }

    /**
     * dynalite measures key values in characters; DynamoDB limits a partition key to 2,048 bytes
     * of UTF-8. Refuse what DynamoDB refuses, with its error, before dynalite sees the request.
     */
    private checkKeySize(operation: string, body: Record<string, any>): void {
        const keys = this.keyAttributes.get(body?.TableName) ?? [];
        const item = operation === "PutItem" ? body.Item : body?.Key;
        for (const attribute of keys) {
            const value = item?.[attribute]?.S;
            if (typeof value === "string" && Buffer.byteLength(value, "utf8") > DYNAMODB_LIMITS.partitionKeyBytes) {
                // DynamoDB's own wording, missing space included (as seen in real error traces).
                const error = new DynamoDbError(`One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of${DYNAMODB_LIMITS.partitionKeyBytes} bytes`);
                error.name = "ValidationException";
                throw error;
            }
        }
    }

    /** Creates a table shaped like the DedupTable component's (partition key FindingId, string). */
    async createDedupTable(tableName: string): Promise<void> {
        await this.request("CreateTable", {
            TableName: tableName,
            KeySchema: [{ AttributeName: DEDUP_KEY_ATTRIBUTE, KeyType: "HASH" }],
            AttributeDefinitions: [{ AttributeName: DEDUP_KEY_ATTRIBUTE, AttributeType: "S" }],
            BillingMode: "PAY_PER_REQUEST",
        });
        // dynalite turns a new table ACTIVE on a timer; over HTTP the round trip outlasts it.
        await this.inProcess?.waitForTable(tableName);
    }

    /** One optimized-integration call (e.g. "PutItem"); service errors come back as `DynamoDB.<ErrorName>`. */
    async call(operation: string, request: Record<string, unknown>): Promise<Record<string, unknown>> {
        if (!OPERATIONS.includes(operation)) throw new StatesError("States.Runtime", `DynamoDB ${operation} is not an optimized DynamoDB integration the offline engine knows`);
        try {
            return await this.request(operation, request);
        } catch (err) {
            if (!(err instanceof DynamoDbError)) throw err;
            throw new StatesError(`DynamoDB.${err.name}`, `${err.message} (Service: DynamoDb, Error Code: ${err.name})`);
        }
    }

    /** The item with this key, if any. */
    async getItem(tableName: string, key: Record<string, unknown>): Promise<Record<string, any> | undefined> {
        return (await this.request("GetItem", { TableName: tableName, Key: key, ConsistentRead: true })).Item;
    }

    async stop(): Promise<void> {
        if (this.inProcess) return this.inProcess.close();
        this.agent.destroy();
        const server = this.server;
        if (!server || server.exitCode !== null) return;
        const exited = new Promise<void>(resolve => server.once("exit", () => resolve()));
        server.disconnect();
        await exited;
    }
}
