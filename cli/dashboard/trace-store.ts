/** One span as the dashboard keeps it (from OTLP/JSON). */
export interface StoredSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  service: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  startMs: number;
  endMs: number;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  attributes: Record<string, string | number | boolean>;
  events: { name: string; timeMs: number; attributes: Record<string, string | number | boolean> }[];
}

/** A trace's summary for the list view. */
export interface TraceSummary {
  traceId: string;
  /** Name of the root span (or of the earliest span while the root has not arrived). */
  name: string;
  startMs: number;
  durationMs: number;
  spans: number;
  errors: number;
  services: string[];
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type OtlpAttribute = { key?: unknown; value?: OtlpValue };

const MAX_SPANS_PER_TRACE = 1000;
const MAX_STRING = 4000;

function attributes(list: unknown): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  if (!Array.isArray(list)) return out;
  for (const { key, value } of list.slice(0, 128) as OtlpAttribute[]) {
    if (typeof key !== "string" || !value || typeof value !== "object") continue;
    if (typeof value.stringValue === "string") out[key] = value.stringValue.slice(0, MAX_STRING);
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (typeof value.boolValue === "boolean") out[key] = value.boolValue;
    else if (typeof value.doubleValue === "number") out[key] = value.doubleValue;
  }
  return out;
}

const nanosToMs = (value: unknown) => Number(BigInt(typeof value === "string" || typeof value === "number" ? value : 0) / 1000n) / 1000;
const hex = (value: unknown, length: number) => (typeof value === "string" && new RegExp(`^[0-9a-f]{${length}}$`).test(value) ? value : "");

/**
 * The last `capacity` traces the Chainlets exported to the dashboard (OTLP/HTTP JSON): a bounded
 * history, the oldest trace dropped first.
 */
export class TraceStore {
  private readonly traces = new Map<string, StoredSpan[]>();

  constructor(private readonly capacity = 200) {}

  /** Adds the spans of one `ExportTraceServiceRequest` in its JSON encoding; ignores what is not one. */
  ingest(request: unknown): number {
    let added = 0;
    const resourceSpans = (request as { resourceSpans?: unknown })?.resourceSpans;
    if (!Array.isArray(resourceSpans)) return 0;
    for (const resource of resourceSpans) {
      const service = String(attributes(resource?.resource?.attributes)["service.name"] ?? "unknown");
      for (const scope of Array.isArray(resource?.scopeSpans) ? resource.scopeSpans : []) {
        for (const raw of Array.isArray(scope?.spans) ? scope.spans : []) {
          const traceId = hex(raw?.traceId, 32);
          const spanId = hex(raw?.spanId, 16);
          if (!traceId || !spanId) continue;
          this.add({
            traceId,
            spanId,
            parentSpanId: hex(raw.parentSpanId, 16),
            service,
            name: String(raw.name ?? "").slice(0, 200),
            kind: Number(raw.kind) || 0,
            startMs: nanosToMs(raw.startTimeUnixNano),
            endMs: nanosToMs(raw.endTimeUnixNano),
            status: { code: Number(raw.status?.code) || 0, message: typeof raw.status?.message === "string" ? raw.status.message.slice(0, MAX_STRING) : undefined },
            attributes: attributes(raw.attributes),
            events: (Array.isArray(raw.events) ? raw.events.slice(0, 64) : []).map((event: { name?: unknown; timeUnixNano?: unknown; attributes?: unknown }) => ({
              name: String(event?.name ?? "").slice(0, 200),
              timeMs: nanosToMs(event?.timeUnixNano),
              attributes: attributes(event?.attributes),
            })),
          });
          added++;
        }
      }
    }
    return added;
  }

  private add(span: StoredSpan): void {
    let spans = this.traces.get(span.traceId);
    if (!spans) {
      spans = [];
      this.traces.set(span.traceId, spans);
      if (this.traces.size > this.capacity) this.traces.delete(this.traces.keys().next().value!);
    }
    if (spans.length < MAX_SPANS_PER_TRACE) spans.push(span);
  }

  /** Newest first. */
  list(): TraceSummary[] {
    return [...this.traces].reverse().map(([traceId, spans]) => {
      const ids = new Set(spans.map((s) => s.spanId));
      const root = spans.find((s) => !s.parentSpanId || !ids.has(s.parentSpanId)) ?? spans[0]!;
      const start = Math.min(...spans.map((s) => s.startMs));
      const end = Math.max(...spans.map((s) => s.endMs));
      return {
        traceId,
        name: `${root.service} ${root.name}`,
        startMs: start,
        durationMs: end - start,
        spans: spans.length,
        errors: spans.filter((s) => s.status.code === 2).length,
        services: [...new Set(spans.map((s) => s.service))],
      };
    });
  }

  get(traceId: string): StoredSpan[] | undefined {
    return this.traces.get(traceId);
  }
}
