import { expect } from "chai";
import * as path from "path";
import { loadSettings, Settings } from "../lib/settings";
import { DEDUP_KEY_ATTRIBUTE } from "../lib/stateMachineDefinition";
import { DYNAMODB_LIMITS } from "../lib/limits";
import { readFindingInputs, ReplayEvent } from "../offline/findingInput";
import { simulate } from "../offline/simulation";
import { DynamoDbBackend, LocalDynamoDb } from "../offline/localDynamoDb";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { IncidentManagerStandIn } from "../offline/incidentManagerStandIn";
import { at, findingEvent } from "./support/findings";

/**
 * The in-process DynamoDB (dynalite's code without its HTTP server) must answer exactly as dynalite
 * over HTTP does. The calls compared are the workflow's own, recorded while replaying the bundled
 * samples and a small storm through the stacks' rendered state machines, plus requests at the edges
 * DynamoDB guards (sizes in bytes, conditions, sets, ReturnValues, bad expressions). Each list is
 * sent, in order, to a fresh table of each kind; responses and errors must be the same.
 */
type Call = { operation: string; request: unknown };
type Outcome = { response?: Record<string, any>; error?: { name: string; message: string } };

const SAMPLES = path.join(PROJECT_DIR, "samples", "findings");
const settingsOf = (stack: string): Settings => loadSettings(readStackConfig(stack).read, PROJECT_DIR);

async function recorded(options: { settings: Settings; stack: string; events: ReplayEvent[]; deliveries?: number; incidentManager?: (arn: string, all: string[]) => IncidentManagerStandIn }): Promise<Call[]> {
    const calls: Call[] = [];
    const report = await simulate({ ...options, onDynamoDbCall: call => calls.push(JSON.parse(JSON.stringify({ operation: call.operation, request: call.request }))) });
    expect(report.executions).to.be.greaterThan(0);
    return calls;
}

async function outcomes(backend: DynamoDbBackend, calls: Call[]): Promise<Outcome[]> {
    const db = await LocalDynamoDb.start({ backend });
    try {
        const results: Outcome[] = [];
        for (const { operation, request } of calls) {
            try {
                const response = await db.request(operation, request);
                // CreateTable's description carries a creation time and a random table id.
                results.push({ response: operation === "CreateTable" ? { TableName: response.TableDescription?.TableName } : response });
            } catch (err) {
                results.push({ error: { name: (err as Error).name, message: (err as Error).message } });
            }
            // dynalite turns a table ACTIVE on a timer: let it, before the table's first item call.
            if (operation === "CreateTable") await new Promise(resolve => setTimeout(resolve, 5));
        }
        return results;
    } finally {
        await db.stop();
    }
}

async function expectSameAnswers(calls: Call[]): Promise<Outcome[]> {
    const inProcess = await outcomes("in-process", calls);
    const overHttp = await outcomes("dynalite", calls);
    for (let i = 0; i < calls.length; i++) {
        expect(inProcess[i], `call ${i}: ${calls[i].operation} ${JSON.stringify(calls[i].request).slice(0, 300)}`).to.deep.equal(overHttp[i]);
    }
    return inProcess;
}

const TABLE = "differential-dedup";
const key = (id: string) => ({ [DEDUP_KEY_ATTRIBUTE]: { S: id } });
const createTable = (name = TABLE): Call => ({
    operation: "CreateTable",
    request: { TableName: name, KeySchema: [{ AttributeName: DEDUP_KEY_ATTRIBUTE, KeyType: "HASH" }], AttributeDefinitions: [{ AttributeName: DEDUP_KEY_ATTRIBUTE, AttributeType: "S" }], BillingMode: "PAY_PER_REQUEST" },
});

describe("in-process DynamoDB against dynalite over HTTP", function () {
    this.timeout(120000);

    it("answers the workflow's calls for the bundled samples exactly as dynalite does (dev and prod stacks, OCSF on, duplicate deliveries)", async () => {
        const events = readFindingInputs([SAMPLES]).events;
        const calls = [
            ...await recorded({ settings: settingsOf("dev"), stack: "dev", events }),
            ...await recorded({ settings: { ...settingsOf("prod"), findingFormats: ["ASFF", "OCSF"] }, stack: "prod", events, deliveries: 3 }),
            // Incident Manager refusing the first incidents: the workflow gives its claims back.
            ...await recorded({
                settings: settingsOf("dev"), stack: "dev", events,
                incidentManager: (_arn, all) => {
                    const standIn = new IncidentManagerStandIn(all);
                    standIn.failNext("AccessDeniedException", 3);
                    return standIn;
                },
            }),
        ];
        const operations = new Set(calls.map(c => c.operation));
        expect([...operations].sort()).to.include.members(["CreateTable", "GetItem", "Scan", "UpdateItem"]);
        const answers = await expectSameAnswers(calls);
        // Duplicate deliveries race for the claim: some of them must have lost it.
        expect(answers.some(a => a.error?.name === "ConditionalCheckFailedException")).to.equal(true);
    });

    it("answers a storm's calls (slots, roll-up, attached findings, sets) exactly as dynalite does", async () => {
        const settings: Settings = { ...settingsOf("dev"), stormThreshold: 2, maxIncidentsPerHour: 3 };
        const events: ReplayEvent[] = Array.from({ length: 8 }, (_, i) => {
            const event = at(findingEvent({ severity: i === 5 ? "CRITICAL" : "HIGH" }), `2026-11-01T09:0${i}:00Z`);
            return { source: `storm[${i}]`, event, findingId: event.detail.findings[0].Id };
        });
        // Each finding fixed an hour later: the roll-up's open findings set shrinks (DELETE).
        const fixed = events.map(({ event }, i) => {
            const later = at(JSON.parse(JSON.stringify(event)), `2026-11-01T10:0${i}:00Z`);
            later.detail.findings[0].Compliance.Status = "PASSED";
            later.detail.findings[0].Workflow.Status = "RESOLVED";
            return { source: `fixed[${i}]`, event: later, findingId: later.detail.findings[0].Id };
        });
        const calls = await recorded({ settings, stack: "dev", events: [...events, ...fixed] });
        const updates = calls.filter(c => c.operation === "UpdateItem").map(c => (c.request as { UpdateExpression?: string }).UpdateExpression ?? "");
        expect(updates.some(u => u.startsWith("ADD"))).to.equal(true);
        await expectSameAnswers(calls);
    });

    it("refuses, and accepts, at DynamoDB's edges exactly as dynalite does", async () => {
        const long = (bytes: number, char = "あ") => char.repeat(Math.ceil(bytes / Buffer.byteLength(char)));
        const calls: Call[] = [
            createTable(),
            createTable(),
            { operation: "PutItem", request: { TableName: "no-such-table", Item: key("a") } },
            { operation: "PutItem", request: { TableName: TABLE, Item: { ...key("a"), Count: { N: "1" }, Tags: { SS: ["x", "y"] } }, ConditionExpression: "attribute_not_exists(FindingId)" } },
            { operation: "PutItem", request: { TableName: TABLE, Item: key("a"), ConditionExpression: "attribute_not_exists(FindingId)" } },
            { operation: "PutItem", request: { TableName: TABLE, Item: key("a"), ConditionExpression: "attribute_not_exists(FindingId)", ReturnValues: "ALL_OLD" } },
            { operation: "UpdateItem", request: { TableName: TABLE, Key: key("a"), UpdateExpression: "ADD #c :one, Tags :z DELETE Tags :x", ExpressionAttributeNames: { "#c": "Count" }, ExpressionAttributeValues: { ":one": { N: "1" }, ":z": { SS: ["z"] }, ":x": { SS: ["x"] } }, ReturnValues: "ALL_NEW" } },
            { operation: "UpdateItem", request: { TableName: TABLE, Key: key("a"), UpdateExpression: "ADD Tags :z DELETE Tags :z", ExpressionAttributeValues: { ":z": { SS: ["z"] } } } },
            { operation: "UpdateItem", request: { TableName: TABLE, Key: key("a"), UpdateExpression: "ADD Tags :n", ExpressionAttributeValues: { ":n": { N: "1" } } } },
            { operation: "UpdateItem", request: { TableName: TABLE, Key: key("a"), UpdateExpression: "REMOVE Tags SET Seen = if_not_exists(Seen, :t)", ExpressionAttributeValues: { ":t": { S: "2026-11-01T00:00:00Z" } }, ReturnValues: "UPDATED_OLD" } },
            { operation: "UpdateItem", request: { TableName: TABLE, Key: key("a"), UpdateExpression: "SET Seen = :t", ConditionExpression: "Seen < :t", ExpressionAttributeValues: { ":t": { S: "2026-10-01T00:00:00Z" } }, ReturnValues: "UPDATED_NEW" } },
            { operation: "UpdateItem", request: { TableName: TABLE, Key: key("new"), UpdateExpression: "ADD Attached :one", ExpressionAttributeValues: { ":one": { N: "1" } }, ReturnValues: "ALL_NEW" } },
            { operation: "UpdateItem", request: { TableName: TABLE, Key: key("a"), UpdateExpression: "SET Unused = :a", ExpressionAttributeValues: { ":a": { S: "x" }, ":b": { S: "y" } } } },
            { operation: "UpdateItem", request: { TableName: TABLE, Key: key("a"), UpdateExpression: "SET Status = :a", ExpressionAttributeValues: { ":a": { S: "x" } } } },
            { operation: "UpdateItem", request: { TableName: TABLE, Key: key("a"), UpdateExpression: "SET A = :missing" } },
            { operation: "UpdateItem", request: { TableName: TABLE, Key: key("a"), UpdateExpression: "SET = :a", ExpressionAttributeValues: { ":a": { S: "x" } } } },
            { operation: "UpdateItem", request: { TableName: TABLE, Key: key("a"), UpdateExpression: "SET FindingId = :a", ExpressionAttributeValues: { ":a": { S: "x" } } } },
            { operation: "UpdateItem", request: { TableName: TABLE, Key: key("a"), UpdateExpression: "SET Num = :n", ExpressionAttributeValues: { ":n": { N: "not-a-number" } } } },
            { operation: "GetItem", request: { TableName: TABLE, Key: key("a"), ConsistentRead: true } },
            { operation: "GetItem", request: { TableName: TABLE, Key: key("absent") } },
            { operation: "GetItem", request: { TableName: TABLE, Key: { Other: { S: "a" } } } },
            { operation: "DeleteItem", request: { TableName: TABLE, Key: key("a"), ConditionExpression: "ClaimedBy = :me", ExpressionAttributeValues: { ":me": { S: "someone" } } } },
            { operation: "DeleteItem", request: { TableName: TABLE, Key: key("a"), ReturnValues: "ALL_OLD" } },
            { operation: "DeleteItem", request: { TableName: TABLE, Key: key("a") } },
            // An item just over 400 KB (in UTF-8 bytes, not characters), and one just under it.
            { operation: "PutItem", request: { TableName: TABLE, Item: { ...key("big"), Note: { S: long(400 * 1024 + 10) } } } },
            { operation: "PutItem", request: { TableName: TABLE, Item: { ...key("big"), Note: { S: long(390 * 1024, "a") } } } },
            { operation: "UpdateItem", request: { TableName: TABLE, Key: key("big"), UpdateExpression: "SET More = :m", ExpressionAttributeValues: { ":m": { S: long(20 * 1024, "a") } } } },
            // A partition key over 2,048 bytes of UTF-8 that dynalite, counting characters, would take.
            { operation: "PutItem", request: { TableName: TABLE, Item: key(long(DYNAMODB_LIMITS.partitionKeyBytes + 3)) } },
            { operation: "GetItem", request: { TableName: TABLE, Key: key(long(DYNAMODB_LIMITS.partitionKeyBytes + 3)) } },
            { operation: "PutItem", request: { TableName: TABLE, Item: key(long(DYNAMODB_LIMITS.partitionKeyBytes, "a")) } },
            { operation: "PutItem", request: { TableName: TABLE, Item: { ...key("empty"), Tags: { SS: [] } } } },
            { operation: "PutItem", request: { TableName: TABLE, Item: { ...key("dupes"), Tags: { SS: ["a", "a"] } } } },
            { operation: "PutItem", request: { TableName: TABLE, Item: { ...key("n"), Num: { N: "1e200" } } } },
            { operation: "PutItem", request: { TableName: TABLE, Item: { [DEDUP_KEY_ATTRIBUTE]: { N: "1" } } } },
            { operation: "PutItem", request: { TableName: TABLE, Item: key("") } },
            { operation: "PutItem", request: { TableName: TABLE, Item: { ...key("x"), Bad: { S: 1 } } } },
            { operation: "PutItem", request: { TableName: TABLE, Item: { ...key("x") }, ReturnValues: "ALL_NEW" } },
            // One expression again with other values and other value types (the in-process parser
            // reuses a parse per expression and value types: the request's values must be the ones used).
            ...["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"].map(t => ({ operation: "UpdateItem", request: { TableName: TABLE, Key: key("c"), UpdateExpression: "SET Seen = :t ADD Counter :v", ExpressionAttributeValues: { ":t": { S: t }, ":v": { N: "2" } }, ReturnValues: "ALL_NEW" } })),
            { operation: "UpdateItem", request: { TableName: TABLE, Key: key("c"), UpdateExpression: "SET Seen = :t ADD Counter :v", ExpressionAttributeValues: { ":t": { S: "2026-11-03T00:00:00Z" }, ":v": { S: "2" } }, ReturnValues: "ALL_NEW" } },
            { operation: "UpdateItem", request: { TableName: TABLE, Key: key("c"), UpdateExpression: "SET Seen = :t ADD Counter :v", ExpressionAttributeValues: { ":t": { N: "3" }, ":v": { N: "3" } }, ReturnValues: "UPDATED_NEW" } },
            ...["1", "5"].map(n => ({ operation: "UpdateItem", request: { TableName: TABLE, Key: key("c"), UpdateExpression: "SET Counter = Counter + :n", ConditionExpression: "Counter < :limit", ExpressionAttributeValues: { ":n": { N: n }, ":limit": { N: "9" } }, ReturnValues: "UPDATED_NEW" } })),
            ...[["1", "9"], ["9", "1"], ["a", "1"]].map(([lo, hi]) => ({ operation: "DeleteItem", request: { TableName: TABLE, Key: key("absent"), ConditionExpression: "Counter BETWEEN :lo AND :hi", ExpressionAttributeValues: { ":lo": { N: lo }, ":hi": lo === "a" ? { S: hi } : { N: hi } } } })),
            ...["S", "Z", "N"].map(t => ({ operation: "DeleteItem", request: { TableName: TABLE, Key: key("c"), ConditionExpression: "attribute_type(Seen, :t)", ExpressionAttributeValues: { ":t": { S: t } }, ReturnValues: "ALL_OLD" } })),
            ...[{ N: "1" }, { BOOL: true }].map((n, i) => ({ operation: "PutItem", request: { TableName: TABLE, Item: key(`s${i}`), ConditionExpression: "size(#s) > :n OR attribute_not_exists(#s)", ExpressionAttributeNames: { "#s": "Seen" }, ExpressionAttributeValues: { ":n": n } } })),
        ];
        const answers = await expectSameAnswers(calls);
        const errors = answers.map(a => a.error?.name).filter(Boolean);
        expect(errors).to.include.members(["ResourceInUseException", "ResourceNotFoundException", "ConditionalCheckFailedException", "ValidationException"]);
        const tooLong = calls.findIndex(c => c.operation === "PutItem" && Buffer.byteLength(JSON.stringify(c.request)) > DYNAMODB_LIMITS.partitionKeyBytes && String((c.request as any).Item?.[DEDUP_KEY_ATTRIBUTE]?.S).startsWith("あ"));
        // Item sizes count UTF-8 bytes on both (dynalite alone counts characters).
        const sized = (id: string) => calls.map((c, i) => [c, answers[i]] as const).filter(([c]) => JSON.stringify((c.request as any).Item ?? (c.request as any).Key) === JSON.stringify(key(id)) || (c.request as any).Item?.[DEDUP_KEY_ATTRIBUTE]?.S === id).map(([, a]) => a.error?.message ?? "ok");
        expect(sized("big")).to.deep.equal(["Item size has exceeded the maximum allowed size", "ok", "Item size to update has exceeded the maximum allowed size"]);
        expect(answers[tooLong].error?.message).to.match(/^One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes$/);
    });

    it("refuses, in process, an operation it does not answer, naming the way to reach it", async () => {
        const db = await LocalDynamoDb.start();
        try {
            const error = await db.request("Query", { TableName: TABLE }).catch(e => e as Error);
            expect(error).to.be.instanceOf(Error);
            expect((error as Error).name).to.equal("UnknownOperationException");
            expect((error as Error).message).to.match(/Query is not answered by the in-process DynamoDB .*--dynamodb dynalite/);
        } finally {
            await db.stop();
        }
    });
});
