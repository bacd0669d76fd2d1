// Preload for `npx conformance server ...` (node --import): the conformance suite sends no
// Authorization header, so every request it makes (through fetch or undici's request, both of
// which use undici's global dispatcher) gets `Authorization: Bearer $KEYWARD_TEST_TOKEN`.
// undici is pinned in package.json at the version the conformance package resolves to.
import { Agent, setGlobalDispatcher } from "undici";

const token = process.env.KEYWARD_TEST_TOKEN;
if (!token) {
  process.stderr.write("conformance_auth.mjs: set KEYWARD_TEST_TOKEN to an agent token\n");
  process.exit(2);
}

class BearerAgent extends Agent {
  dispatch(options, handler) {
    const headers = withBearer(options.headers);
    return super.dispatch({ ...options, headers }, handler);
  }
}

// undici passes headers as an object, an array of [name, value] pairs, or a flat array.
function withBearer(headers) {
  const value = `Bearer ${token}`;
  if (!headers) return { authorization: value };
  if (Array.isArray(headers)) {
    const flat = headers.length > 0 && Array.isArray(headers[0]) ? headers.flat() : [...headers];
    const kept = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      if (String(flat[i]).toLowerCase() !== "authorization") kept.push(flat[i], flat[i + 1]);
    }
    return [...kept, "authorization", value];
  }
  const kept = {};
  for (const [name, v] of Object.entries(headers)) {
    if (name.toLowerCase() !== "authorization") kept[name] = v;
  }
  return { ...kept, authorization: value };
}

setGlobalDispatcher(new BearerAgent());
