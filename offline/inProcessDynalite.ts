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
// Each stored key and item as a string of its own, not a slice of a shared Buffer pool
// (offline/dynaliteStore.js); before dynalite/db is loaded.
// eslint-disable-next-line @typescript-eslint/no-var-requires
require("./dynaliteStore").storeAsText();
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

/** DynamoDB's attribute value types, in the order dynalite's parsers test them (getImmediateType). */
const VALUE_TYPES = ["S", "N", "B", "NULL", "BOOL", "SS", "NS", "BS", "L", "M"];
const PARSE_CACHE_SIZE = 2000;

/**
 * dynalite's expression parsers (PEG) parse every request's condition and update expressions
 * again: about an eighth of a replay's CPU. The workflow sends the same few expressions with
 * different values, and a parse depends on the values only through their types, except in
 * BETWEEN (compares the bounds) and attribute_type (reads its S value), which are never cached.
 * So a parse is made once per expression, names and value types, with a stand-in object for each
 * value, and its tree is reused with the request's own values put in place of the stand-ins (a
 * fresh tree each time: dynalite's actions may change it), together with the parse's marking of
 * names and values as used. Errors are cached the same way; a parse that throws is not.
 * tests/dynamoDbDifferential.test.ts compares this path with dynalite over HTTP (uncached).
 */
function cacheParses(parser: { parse: (text: string, options: { context: any }) => unknown }, name: string): void {
    const parse = parser.parse.bind(parser);
    const cache = new Map<string, { result: unknown; markers: Map<object, string>; usedNames: string[]; usedValues: string[] }>();
    parser.parse = (text, options) => {
        const context = options.context;
        if (/between|attribute_type/i.test(text)) return parse(text, options);
        const values: Record<string, any> = context.attrVals ?? {};
        const types: Record<string, string | null> = {};
        for (const key of Object.keys(values)) {
            const value = values[key];
            types[key] = value && typeof value === "object" && !Array.isArray(value) ? VALUE_TYPES.find(t => value[t] != null) ?? null : typeof value;
        }
        const key = JSON.stringify([name, Boolean(context.isKeyCondition), text, context.attrNames ?? null, types, Object.keys(context.unusedAttrNames ?? {}), Object.keys(context.unusedAttrVals ?? {})]);
        let entry = cache.get(key);
        if (!entry) {
            const markers = new Map<object, string>();
            const stand: Record<string, object> = {};
            for (const k of Object.keys(values)) {
                const type = types[k];
                const marker = type && VALUE_TYPES.includes(type) ? { [type]: true } : {};
                markers.set(marker, k);
                stand[k] = marker;
            }
            const names = { ...(context.unusedAttrNames ?? {}) };
            const vals = { ...(context.unusedAttrVals ?? {}) };
            const result = parse(text, { context: { ...context, attrVals: context.attrVals ? stand : undefined, unusedAttrNames: names, unusedAttrVals: vals } });
            entry = {
                result,
                markers,
                usedNames: Object.keys(context.unusedAttrNames ?? {}).filter(k => !(k in names)),
                usedValues: Object.keys(context.unusedAttrVals ?? {}).filter(k => !(k in vals)),
            };
            if (cache.size >= PARSE_CACHE_SIZE) cache.clear();
            cache.set(key, entry);
        }
        for (const k of entry.usedNames) delete context.unusedAttrNames[k];
        for (const k of entry.usedValues) delete context.unusedAttrVals[k];
        const { markers } = entry;
        const fill = (node: unknown): unknown => {
            if (node === null || typeof node !== "object") return node;
            const k = markers.get(node);
            if (k !== undefined) return values[k];
            if (Array.isArray(node)) return node.map(fill);
            const copy: Record<string, unknown> = Object.create(Object.getPrototypeOf(node));
            for (const field of Object.keys(node)) copy[field] = fill((node as Record<string, unknown>)[field]);
            return copy;
        };
        return fill(entry.result);
    };
}
// eslint-disable-next-line @typescript-eslint/no-var-requires
cacheParses(require("dynalite/db/conditionParser"), "condition");
// eslint-disable-next-line @typescript-eslint/no-var-requires
cacheParses(require("dynalite/db/updateParser"), "update");

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
