/* Requests to the app's JSON API: every failure becomes an ApiError whose key names the
 * message to show (rate limit, invalid input, network, server), so callers never parse
 * responses for errors themselves. */

export class ApiError extends Error {
  constructor(key, vars) {
    super(key);
    this.key = key;
    this.vars = vars || {};
  }
}

async function errorOf(response) {
  if (response.status === 429) {
    const seconds = Number(response.headers.get("retry-after")) || 10;
    return new ApiError("errRate", { seconds });
  }
  if (response.status === 422 || response.status === 400) {
    let reason = "";
    try {
      const body = await response.json();
      reason = Array.isArray(body.detail)
        ? body.detail.map((d) => d.msg).join("; ")
        : String(body.detail || "");
    } catch {
      /* no body */
    }
    return new ApiError("errInvalid", { reason });
  }
  return new ApiError("errServer", { status: response.status });
}

export async function request(url, init) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...init });
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError("errNetwork");
  }
  if (!response.ok) {
    const error = await errorOf(response);
    error.status = response.status;
    throw error;
  }
  return response;
}

export async function postJson(url, body) {
  const response = await request(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  return response.json();
}
