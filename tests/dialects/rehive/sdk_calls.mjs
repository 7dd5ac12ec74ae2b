// Runs calls of Rehive's own SDK (npm `rehive`, its business extension) and prints what each came to as
// JSON: `{ok: true, data}` or, when the SDK threw, `{ok: false, apiError, status, message, error}`.
// Usage: node sdk_calls.mjs '<{"baseUrl", "token", "calls": [{"fn", "options"}]}>'
import { ApiError } from 'rehive';
import { createBusinessApi } from 'rehive/extensions/business';

const plan = JSON.parse(process.argv[2]);
// The SDK asks its auth only for the token, which it sends as `Authorization: Token <token>`.
const auth = { getToken: async () => plan.token };
const api = createBusinessApi({ auth, baseUrl: plan.baseUrl });
const results = [];
for (const call of plan.calls) {
  try {
    results.push({ ok: true, data: await api[call.fn](call.options) });
  } catch (error) {
    results.push({
      ok: false,
      apiError: error instanceof ApiError,
      status: error.status ?? null,
      message: error.message,
      error: error.error ?? null,
    });
  }
}
process.stdout.write(JSON.stringify(results));
