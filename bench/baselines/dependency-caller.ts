import type { Pool } from "undici";

/** Posts a JSON body to the dependency's `/v1/run_remote` over a kept-alive pool and parses the answer. */
export function dependencyCaller(pool: Pool): (body: Record<string, unknown>) => Promise<unknown> {
  return async (body) => {
    const response = await pool.request({
      path: "/v1/run_remote",
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const value = await response.body.json();
    if (response.statusCode !== 200) throw new Error(`dependency answered ${response.statusCode}: ${JSON.stringify(value)}`);
    return value;
  };
}
