/**
 * dynalite's own DynamoDB, run inside the replaying process: its request validation
 * (`dynalite/validations`: types, then the operation's checks and expression parsers) and its
 * actions (`dynalite/actions`: conditions, update expressions, ReturnValues, item size), on its
 * in-memory store (`dynalite/db`, memory-level). What is left out is only the HTTP server around
 * them: the request body is turned into JSON and back exactly as it would cross the loopback, and
 * errors keep the names and messages dynalite sends in its response body.
 *
 * Only the operations the workflow, the replay and the tests use are offered; any other is refused
 * with an error that says so (replay with `--dynamodb dynalite` to reach the rest).
 */
// dynalite is plain JavaScript without type declarations.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const validations = require("dynalite/validations");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const dynaliteDb = require("dynalite/db");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { countItemSizeInBytes } = require("./dynaliteItemSize");

// Item sizes in UTF-8 bytes, as DynamoDB counts them (dynalite counts characters); the dynalite
// child process (dynalite-process.js) makes the same change, so both answer alike.
countItemSizeInBytes(dynaliteDb);

/**
 * The operations answered in process: the item operations of Step Functions' optimized integration,
 * tables for the replay, and Scan for the replay's count of stuck claims (offline/claims.ts).
 */
export const IN_PROCESS_OPERATIONS = ["CreateTable", "DescribeTable", "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Scan"] as const;

type Callback = (err: any, data?: any) => void;
type Action = (store: unknown, data: unknown, cb: Callback) => void;

interface Operation {
    action: Action;
    validation: { types: unknown; custom?: unknown };
}

const operations = new Map<string, Operation>();
for (const name of IN_PROCESS_OPERATIONS) {
    const file = validations.toLowerFirst(name);
    operations.set(name, {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        action: require(`dynalite/actions/${file}`),
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        validation: require(`dynalite/validations/${file}`),
    });
}

/** An error in DynamoDB's response shape: `__type` (e.g. com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException) and message. */
export interface DynamoDbErrorBody {
    __type: string;
    message?: string;
    Message?: string;
}

export class InProcessDynaliteError extends Error {
    constructor(readonly body: DynamoDbErrorBody, readonly statusCode: number) {
        super(body.message ?? body.Message ?? `HTTP ${statusCode}`);
    }
}

/** One dynalite store, called like its HTTP handler calls it, without HTTP. */
export class InProcessDynalite {
    private readonly store = dynaliteDb.create({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });

    /**
     * Answers one API call with dynalite's own code. `payload` is the request's JSON text (as it
     * would be sent); the result is the response's JSON value, or an InProcessDynaliteError
     * carrying DynamoDB's error body.
     */
    async request(operation: string, payload: string): Promise<Record<string, any>> {
        const op = operations.get(operation);
        if (!op) {
            throw new InProcessDynaliteError({
                __type: "com.amazon.coral.service#UnknownOperationException",
                message: `${operation} is not answered by the in-process DynamoDB (it offers ${IN_PROCESS_OPERATIONS.join(", ")}); replay with --dynamodb dynalite for the rest`,
            }, 400);
        }
        let data: unknown;
        try {
            data = JSON.parse(payload);
        } catch {
            throw new InProcessDynaliteError({ __type: "com.amazon.coral.service#SerializationException" }, 400);
        }
        try {
            data = validations.checkTypes(data, op.validation.types);
            validations.checkValidations(data, op.validation.types, op.validation.custom, this.store);
        } catch (err) {
            if ((err as { statusCode?: number }).statusCode) throw new InProcessDynaliteError((err as any).body, (err as any).statusCode);
            throw err;
        }
        const response = await new Promise<unknown>((resolve, reject) => {
            op.action(this.store, data, (err, result) => {
                if (err && err.statusCode) reject(new InProcessDynaliteError(err.body, err.statusCode));
                else if (err) reject(err);
                else resolve(result);
            });
        });
        // The response as it would arrive: JSON text, parsed (a fresh copy, no shared objects).
        return JSON.parse(JSON.stringify(response ?? {}));
    }

    /** Resolves once a table created with createTableMs 0 has become ACTIVE (dynalite flips it on a timer). */
    async waitForTable(tableName: string): Promise<void> {
        for (let i = 0; i < 100; i++) {
            const table = await this.request("DescribeTable", JSON.stringify({ TableName: tableName }));
            if (table.Table?.TableStatus === "ACTIVE") return;
            await new Promise(resolve => setTimeout(resolve, 1));
        }
        throw new Error(`the in-process DynamoDB table ${tableName} did not become ACTIVE`);
    }

    async close(): Promise<void> {
        await this.store.db.close();
    }
}
