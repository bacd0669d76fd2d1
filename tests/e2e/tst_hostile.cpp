// Hostile-input suite: a data-driven table of malicious and malformed `execute` calls against three
// services (bearer `open`, rule-restricted `strict`, query-key `qkey`) on a real HTTPS upstream
// (https_upstream.mjs, which records every request it gets). All calls run in one SDK client session;
// each row then checks its own result and what the upstream received for it (correlated by an
// `Idempotency-Key: case-N` header): refused calls reach nothing, allowed calls stay under the base
// URL with the expected normalized path, one credential, no forbidden header, the method as given.
// A canary secret must appear nowhere but at the upstream: not in the client output, not in any
// file under KEYWARD_HOME, not in any audit column, not in `keyward log --json`.

#include "support/e2eprocess.h"
#include "support/httpsupstream.h"
#include "upstream/redactor.h"

#include <nlohmann/json.hpp>

#include <QDirIterator>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QtTest>

#include <algorithm>
#include <optional>

using json = nlohmann::json;
using keyward::test::HttpsUpstream;
using keyward::test::TempHome;

namespace {

using keyward::test::randomCanary;
using Run = keyward::test::CliRun;
using keyward::test::runKeyward;

enum class Expect { Allowed, Refused };

struct Case {
    std::string name;
    json args;            // the `execute` arguments (the tag header is added when headers is an object or absent)
    Expect expect = Expect::Allowed;
    std::string error;    // Refused: the MCP error
    std::string rule;     // Refused: prefix of the rule (case-insensitive); empty: no rule checked
    std::string path;     // Allowed: the exact path (before `?`) of the upstream's rawUrl
    std::optional<std::string> query; // Allowed: the exact query the upstream got (without the credential)
    std::optional<std::string> body;  // Allowed: the exact body bytes the upstream got
    int status = 200;
    const char *bug = nullptr; // BUG: ... (QEXPECT_FAIL)
};

json args(const std::string &service, const std::string &method, const std::string &path, json extra = json::object())
{
    json a{{"service", service}, {"method", method}, {"path", path}};
    a.update(extra);
    return a;
}

std::string basePath(const std::string &service)
{
    return service == "open" ? "/v1" : service == "strict" ? "/api" : "";
}

std::vector<Case> buildCases()
{
    std::vector<Case> c;
    auto ok = [&](const std::string &name, const std::string &svc, const std::string &method, const std::string &path,
                  const std::string &expectedPath, json extra = json::object()) -> Case & {
        Case k;
        k.name = name;
        k.args = args(svc, method, path, extra);
        k.path = basePath(svc) + expectedPath;
        c.push_back(k);
        return c.back();
    };
    auto no = [&](const std::string &name, const std::string &svc, const std::string &method, const std::string &path,
                  const std::string &rule, json extra = json::object(), const std::string &error = "denied") -> Case & {
        Case k;
        k.name = name;
        k.args = args(svc, method, path, extra);
        k.expect = Expect::Refused;
        k.error = error;
        k.rule = rule;
        c.push_back(k);
        return c.back();
    };
    auto bad = [&](const std::string &name, json rawArgs) -> Case & {
        Case k;
        k.name = name;
        k.args = std::move(rawArgs);
        k.expect = Expect::Refused;
        k.error = "invalid_argument";
        c.push_back(k);
        return c.back();
    };
    const std::string SEC = "GET /public/secret*";
    const std::string NOMATCH = "default:no-matching-rule";

    // ---- dot segments in every encoding
    no("dot: /public/../private", "strict", "GET", "/public/../private", NOMATCH);
    no("dot: %2e%2e", "strict", "GET", "/public/%2e%2e/private", "guard:encoded-dot");
    no("dot: %2E%2e", "strict", "GET", "/public/%2E%2e/private", "guard:encoded-dot");
    no("dot: .%2e", "strict", "GET", "/public/.%2e/private", "guard:encoded-dot");
    no("dot: %2e.", "strict", "GET", "/public/%2e./private", "guard:encoded-dot");
    no("dot: %252e%252e", "strict", "GET", "/public/%252e%252e/private", "guard:encoded-percent");
    no("dot: overlong %c0%ae", "strict", "GET", "/public/%c0%ae%c0%ae/private", "guard:bad-utf8");
    no("dot: overlong %e0%80%ae", "strict", "GET", "/public/%e0%80%ae%e0%80%ae/private", "guard:bad-utf8");
    no("dot: fullwidth", "strict", "GET", "/public/\uFF0E\uFF0E/private", "guard:confusable-char");
    no("dot: one-dot leader", "strict", "GET", "/public/\u2025/private", "guard:confusable-char");
    no("dot: %u002e", "strict", "GET", "/public/%u002e%u002e/private", "guard:bad-escape");
    no("dot: climb above base", "open", "GET", "/../etc/passwd", "guard:dot-segment");
    no("dot: climb twice", "open", "GET", "/a/../../etc", "guard:dot-segment");
    no("dot: bare ..", "open", "GET", "/..", "guard:dot-segment");
    no("dot: %2e%2e at root", "open", "GET", "/%2e%2e", "guard:encoded-dot");
    no("dot: ..%c0%af", "open", "GET", "/..%c0%af..%c0%afetc", "guard:bad-utf8");
    no("dot: .%2E/ trailing", "open", "GET", "/.%2E/", "guard:encoded-dot");
    no("dot: %2e inside segment", "strict", "GET", "/public/%2e/secret", "guard:encoded-dot");
    no("dot: public/./secret", "strict", "GET", "/public/./secret", SEC);
    no("dot: public/x/../secret", "strict", "GET", "/public/x/../secret", SEC);
    no("dot: public/../public/secret", "strict", "GET", "/public/../public/secret", SEC);
    no("dot: upload/../../admin POST", "strict", "POST", "/public/upload/../../admin", NOMATCH);
    no("dot: POST items/../admin", "open", "POST", "/items/../admin", NOMATCH);
    ok("dot: /./items", "open", "GET", "/./items", "/items");
    ok("dot: /a/./b/../items", "open", "GET", "/a/./b/../items", "/a/items");
    ok("dot: trailing /..", "open", "GET", "/a/b/..", "/a/");

    // ---- encoded slashes and backslashes, bad escapes
    no("slash: %2F", "open", "GET", "/a%2Fb", "guard:encoded-slash");
    no("slash: %2f", "open", "GET", "/a%2fb", "guard:encoded-slash");
    no("slash: %2F%2Fhost", "open", "GET", "/%2F%2Fevil.example", "guard:encoded-slash");
    no("slash: ..%2F", "strict", "GET", "/public/..%2Fprivate", "guard:encoded-slash");
    no("slash: %252F", "open", "GET", "/a%252Fb", "guard:encoded-percent");
    no("backslash: raw", "open", "GET", "/a\\b", "guard:backslash");
    no("backslash: ..\\", "strict", "GET", "/public/..\\private", "guard:backslash");
    no("backslash: %5C", "open", "GET", "/a%5Cb", "guard:encoded-backslash");
    no("backslash: %5c", "open", "GET", "/a%5cb", "guard:encoded-backslash");
    no("backslash: /\\host", "open", "GET", "/\\evil.example", "guard:backslash");
    no("escape: %25", "open", "GET", "/a%25", "guard:encoded-percent");
    no("escape: %G1", "open", "GET", "/a%G1", "guard:bad-escape");
    no("escape: truncated %4", "open", "GET", "/a%4", "guard:bad-escape");
    no("escape: lone %", "open", "GET", "/a%", "guard:bad-escape");

    // ---- NUL, CR, LF and other controls in the path
    no("ctl: raw NUL", "open", "GET", std::string("/a\0b", 4), "guard:control-char");
    no("ctl: %00", "open", "GET", "/a%00b", "guard:control-char");
    no("ctl: raw CRLF header injection", "open", "GET", "/a\r\nX-Injected: 1", "guard:control-char");
    no("ctl: %0d%0a", "open", "GET", "/a%0d%0aX-Injected:%201", "guard:control-char");
    no("ctl: %0A", "open", "GET", "/a%0Ab", "guard:control-char");
    no("ctl: raw LF", "open", "GET", "/a\nb", "guard:control-char");
    no("ctl: raw TAB", "open", "GET", "/a\tb", "guard:control-char");
    no("ctl: %7F", "open", "GET", "/a%7F", "guard:control-char");
    no("ctl: NEL U+0085", "open", "GET", "/a\u0085b", "guard:control-char");
    no("ctl: %C2%85", "open", "GET", "/a%C2%85b", "guard:control-char");
    no("ctl: request line smuggling", "open", "GET", "/items HTTP/1.1\r\nHost: evil.example\r\n\r\nGET /x", "guard:control-char");

    // ---- ; path parameters
    no("param: ;jsessionid", "open", "GET", "/items;jsessionid=1", "guard:path-parameter");
    no("param: %3B", "open", "GET", "/items%3Bx", "guard:path-parameter");
    no("param: %3b", "open", "GET", "/items%3bx", "guard:path-parameter");
    no("param: secret;.txt", "strict", "GET", "/public/secret;.txt", "guard:path-parameter");
    no("param: public;/../private", "strict", "GET", "/public;/../private", "guard:path-parameter");

    // ---- absolute URLs, //host, userinfo, query and fragment in the path
    no("abs: https://evil", "open", "GET", "https://evil.example/x", "guard:absolute-url");
    no("abs: http://127.0.0.1", "open", "GET", "http://127.0.0.1:1/x", "guard:absolute-url");
    no("abs: mailto:", "open", "GET", "mailto:x@evil.example", "guard:absolute-url");
    no("abs: https:/evil", "open", "GET", "https:/evil.example", "guard:absolute-url");
    no("abs: //host", "open", "GET", "//evil.example/x", "guard:scheme-relative");
    no("abs: ///host", "open", "GET", "///evil.example", "guard:scheme-relative");
    no("abs: @host", "open", "GET", "@evil.example/x", "guard:relative-path");
    no("abs: host/x", "open", "GET", "evil.example/x", "guard:relative-path");
    no("abs: empty", "open", "GET", "", "guard:relative-path");
    no("abs: leading space", "open", "GET", " /items", "guard:relative-path");
    no("abs: query in path", "open", "GET", "/items?api_key=x", "guard:query-in-path");
    no("abs: fragment in path", "open", "GET", "/items#frag", "guard:fragment-in-path");
    ok("abs: /@host stays a segment", "open", "GET", "/@evil.example/x", "/@evil.example/x");
    ok("abs: userinfo-looking segment", "open", "GET", "/user:pass@evil.example", "/user:pass@evil.example");
    ok("abs: %40 userinfo", "open", "GET", "/u%40evil.example", "/u%40evil.example");
    ok("abs: encoded ? stays in path", "open", "GET", "/items%3Fx=1", "/items%3Fx=1").query = "";
    ok("abs: encoded # stays in path", "open", "GET", "/items%23frag", "/items%23frag");

    // ---- very long paths
    ok("long: 2048 bytes", "open", "GET", "/" + std::string(2047, 'a'), "/" + std::string(2047, 'a'));
    no("long: 2049 bytes", "open", "GET", "/" + std::string(2048, 'a'), "guard:path-length");
    no("long: 2049 UTF-8 bytes", "open", "GET", "/" + [] { std::string s; for (int i = 0; i < 1024; ++i) s += "\u00e9"; return s; }(), "guard:path-length");
    no("long: over after encoding", "open", "GET", "/" + [] { std::string s; for (int i = 0; i < 600; ++i) s += "\u00e9"; return s; }(), "guard:path-length");
    no("long: 100000 bytes", "open", "GET", "/" + std::string(100000, 'b'), "guard:path-length");
    no("long: dots padding", "open", "GET", [] { std::string s; for (int i = 0; i < 700; ++i) s += "/./"; return s + "items"; }(), "guard:path-length");

    // ---- unicode confusables and invisibles
    no("uni: fullwidth i", "open", "GET", "/\uFF49tems", "guard:confusable-char");
    no("uni: fullwidth slash", "open", "GET", "/items\uFF0Fx", "guard:confusable-char");
    no("uni: fullwidth public", "strict", "GET", "/\uFF50ublic/readme", "guard:confusable-char");
    no("uni: fullwidth secret", "strict", "GET", "/public/\uFF53ecret", "guard:confusable-char");
    no("uni: kelvin sign", "strict", "GET", "/public/\u212A", "guard:confusable-char");
    no("uni: one dot leader", "open", "GET", "/items\u2024x", "guard:confusable-char");
    no("uni: zero width space", "strict", "GET", "/public/secret\u200B", "guard:invisible-char");
    no("uni: RLO", "open", "GET", "/\u202Eitems", "guard:invisible-char");
    no("uni: BOM", "open", "GET", "/\uFEFFitems", "guard:invisible-char");
    no("uni: encoded zero width", "strict", "GET", "/public/secret%E2%80%8B", "guard:invisible-char");
    no("uni: encoded fullwidth dot", "strict", "GET", "/public/%EF%BC%8E%EF%BC%8E/private", "guard:confusable-char");
    no("uni: lone surrogate", "open", "GET", "/%ED%A0%80", "guard:bad-utf8");
    no("uni: %FF", "open", "GET", "/%FF", "guard:bad-utf8");
    no("uni: lone %C3", "open", "GET", "/%C3x", "guard:bad-utf8");
    ok("uni: cafe raw", "open", "GET", "/caf\u00e9", "/caf%C3%A9");
    ok("uni: cafe encoded lowercase", "open", "GET", "/caf%c3%a9", "/caf%C3%A9");
    ok("uni: cyrillic dze", "strict", "GET", "/public/\u0455ecret", "/public/%D1%95ecret");
    ok("uni: unreserved decoded", "open", "GET", "/%7Euser/%61pi", "/~user/api");

    // ---- case and trailing-slash games on deny rules
    no("case: /PUBLIC/secret", "strict", "GET", "/PUBLIC/secret", SEC);
    no("case: /public/SECRET", "strict", "GET", "/public/SECRET", SEC);
    no("case: /public/Secret.txt", "strict", "GET", "/public/Secret.txt", SEC);
    no("case: trailing slash", "strict", "GET", "/public/secret/", SEC);
    no("case: secret.json", "strict", "GET", "/public/secret.json", SEC);
    no("case: //", "strict", "GET", "/public//secret", SEC);
    no("case: %73ecret", "strict", "GET", "/public/%73ecret", SEC);
    no("case: %53ECRET", "strict", "GET", "/public/%53ECRET", SEC);
    no("case: %70ublic", "strict", "GET", "/%70ublic/secret", SEC);
    no("case: /./SECRET/.", "strict", "GET", "/public/./SECRET/.", SEC);
    no("case: secret%20", "strict", "GET", "/public/secret%20", SEC);
    no("case: secret%2e", "strict", "GET", "/public/secret%2e", "guard:encoded-dot");
    no("case: /Public/readme (allow is case-sensitive)", "strict", "GET", "/Public/readme", NOMATCH);
    no("case: /private", "strict", "GET", "/private", NOMATCH);
    no("case: POST /PUBLIC/upload", "strict", "POST", "/PUBLIC/upload", NOMATCH);
    no("case: DELETE public", "strict", "DELETE", "/public/readme", NOMATCH);
    no("case: HEAD not covered by GET", "strict", "HEAD", "/public/readme", NOMATCH);
    ok("case: secretx/y is another segment", "strict", "GET", "/public/secretx/y", "/public/secretx/y");
    ok("case: /public/readme/", "strict", "GET", "/public/readme/", "/public/readme/");
    ok("case: /public", "strict", "GET", "/public", "/public");
    ok("case: /public/", "strict", "GET", "/public/", "/public/");
    ok("case: POST upload/", "strict", "POST", "/public/upload/", "/public/upload/", {{"body", {{"f", 1}}}});

    // ---- methods
    for (const char *m : {"get", "Get", "TRACE", "CONNECT", "PROPFIND", "TRACK", "GET ", " GET", "GET\r\n", "", "*", "G\u0395T"})
        no(std::string("method: '") + m + "'", "open", m, "/items", "guard:method");
    no("method: DELETE", "open", "DELETE", "/items", NOMATCH);
    no("method: PUT", "open", "PUT", "/items", NOMATCH);
    no("method: PATCH", "open", "PATCH", "/items", NOMATCH);
    no("method: OPTIONS", "open", "OPTIONS", "/items", NOMATCH);
    no("method: qkey POST read-only", "qkey", "POST", "/x", "default:read-only");
    no("method: qkey DELETE read-only", "qkey", "DELETE", "/x", "default:read-only");
    ok("method: qkey HEAD", "qkey", "HEAD", "/items", "/items");
    for (const char *h : {"X-HTTP-Method-Override", "x-http-method-override", "X-HTTP-Method", "X-Method-Override",
                          "X-Original-URL", "X-Rewrite-URL"}) {
        std::string lower = h;
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        no(std::string("method override: ") + h, "open", "GET", "/items", "header:" + lower, {{"headers", {{h, "DELETE"}}}});
    }
    bad("method: number", json{{"service", "open"}, {"method", 1}, {"path", "/items"}});
    bad("method: null", json{{"service", "open"}, {"method", nullptr}, {"path", "/items"}});

    // ---- headers
    for (const char *h : {"Host", "host", "Authorization", "AUTHORIZATION", "Proxy-Authorization", "Proxy-Connection",
                          "Proxy-Authenticate", "Cookie", "Cookie2", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
                          "X-Forwarded", "Forwarded", "X-Real-IP", "True-Client-IP", "X-Client-IP", "X-Host", "X-Original-Host",
                          "Transfer-Encoding", "Content-Length", "Connection", "Keep-Alive", "TE", "Upgrade", "Trailer",
                          "HTTP2-Settings"}) {
        std::string lower = h;
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        const std::string value = lower == "host" ? "evil.example" : lower == "content-length" ? "0"
                                : lower == "transfer-encoding" ? "chunked" : "Bearer evil";
        no(std::string("header: ") + h, "open", "GET", "/echo", "header:" + lower, {{"headers", {{h, value}}}});
    }
    no("header: Authorization on qkey", "qkey", "GET", "/echo", "header:authorization", {{"headers", {{"Authorization", "Bearer x"}}}});
    no("header: CRLF in value", "open", "GET", "/echo", "header:invalid", {{"headers", {{"Accept", "a\r\nX-Injected: 1"}}}});
    no("header: LF in value", "open", "GET", "/echo", "header:invalid", {{"headers", {{"Accept", "a\nX-Injected: 1"}}}});
    no("header: CR in value", "open", "GET", "/echo", "header:invalid", {{"headers", {{"Accept", "a\rX-Injected: 1"}}}});
    no("header: NUL in value", "open", "GET", "/echo", "header:invalid", {{"headers", {{"Accept", std::string("a\0b", 3)}}}});
    no("header: CRLF in name", "open", "GET", "/echo", "header:invalid", {{"headers", {{"X-Injected: 1\r\nAccept", "a"}}}});
    no("header: space in name", "open", "GET", "/echo", "header:invalid", {{"headers", {{"Bad Name", "a"}}}});
    no("header: colon in name", "open", "GET", "/echo", "header:invalid", {{"headers", {{"Accept:", "a"}}}});
    no("header: empty name", "open", "GET", "/echo", "header:invalid", {{"headers", {{"", "a"}}}});
    no("header: CRLF smuggled Authorization", "open", "GET", "/echo", "header:invalid",
       {{"headers", {{"Accept", "a\r\nAuthorization: Bearer evil"}}}});
    no("header: duplicate case variants", "open", "GET", "/echo", "", {{"headers", {{"Accept", "a"}, {"ACCEPT", "b"}}}}, "invalid_argument");
    no("header: duplicate Authorization variants", "open", "GET", "/echo", "", {{"headers", {{"Authorization", "a"}, {"authorization", "b"}}}}, "denied");
    no("header: value not a string", "open", "GET", "/echo", "", {{"headers", {{"Accept", 1}}}}, "invalid_argument");
    ok("header: User-Agent dropped", "open", "GET", "/echo", "/echo", {{"headers", {{"User-Agent", "evil/1.0"}}}});
    ok("header: unknown dropped", "open", "GET", "/echo", "/echo", {{"headers", {{"X-Injected", "1"}}}});
    ok("header: X-Api-Key dropped on bearer", "open", "GET", "/echo", "/echo", {{"headers", {{"X-Api-Key", "evil"}}}});
    ok("header: api_key header dropped on qkey", "qkey", "GET", "/echo", "/echo", {{"headers", {{"api_key", "evil"}}}});
    ok("header: Accept kept", "open", "GET", "/echo", "/echo", {{"headers", {{"Accept", "application/json"}}}});
    ok("header: TAB allowed", "open", "GET", "/echo", "/echo", {{"headers", {{"Accept", "a\tb"}}}});
    ok("header: If-None-Match kept", "open", "GET", "/echo", "/echo", {{"headers", {{"If-None-Match", "\"x\""}}}});

    // ---- the credential query parameter in every spelling (qkey)
    for (const char *k : {"api_key", "API_KEY", "Api_Key", "api_KEY", "api%5Fkey", "api%5fkey", "%61pi_key", "api%255Fkey",
                          "api_key[]", "api_key[0]", "api.key", "api key", " api_key", "api_key ", "api+key",
                          "api_\uFF4Bey", "\uFF41\uFF50\uFF49_key", "%2561pi_key", "api_key%00x", "API.KEY[]"})
        no(std::string("qkey param: '") + k + "'", "qkey", "GET", "/echo", "query:api_key", {{"query", {{k, "evil"}}}});
    no("qkey param: array value", "qkey", "GET", "/echo", "query:api_key", {{"query", {{"API_KEY", json::array({"a", "b"})}}}});
    no("qkey param: second of two", "qkey", "GET", "/echo", "query:api_key", {{"query", {{"q", "1"}, {"api_key", "evil"}}}});
    no("qkey param: NUL in key", "qkey", "GET", "/echo", "query:invalid", {{"query", {{std::string("api_key\0x", 9), "evil"}}}});
    // query values and keys with & = # CR LF (on both key styles)
    ok("query: value with &api_key=", "qkey", "GET", "/echo", "/echo", {{"query", {{"q", "x&api_key=evil"}}}}).query = "q=x%26api_key%3Devil";
    ok("query: key with &api_key", "qkey", "GET", "/echo", "/echo", {{"query", {{"a&api_key", "1"}}}}).query = "a%26api_key=1";
    ok("query: value with =", "open", "GET", "/echo", "/echo", {{"query", {{"q", "a=b"}}}}).query = "q=a%3Db";
    ok("query: value with #", "open", "GET", "/echo", "/echo", {{"query", {{"q", "a#b"}}}}).query = "q=a%23b";
    ok("query: value with CRLF", "open", "GET", "/echo", "/echo", {{"query", {{"q", "a\r\nX-Injected: 1"}}}}).query =
        "q=a%0D%0AX-Injected%3A%201";
    ok("query: value with %", "open", "GET", "/echo", "/echo", {{"query", {{"q", "%41%"}}}}).query = "q=%2541%25";
    ok("query: key with #", "open", "GET", "/echo", "/echo", {{"query", {{"#", "x"}}}}).query = "%23=x";
    ok("query: array", "qkey", "GET", "/echo", "/echo", {{"query", {{"q", json::array({"1", "2"})}}}}).query = "q=1&q=2";
    ok("query: api_key on a bearer service", "open", "GET", "/echo", "/echo", {{"query", {{"api_key", "x"}}}}).query = "api_key=x";
    ok("query: unicode", "qkey", "GET", "/echo", "/echo", {{"query", {{"q", "caf\u00e9 \u2615"}}}}).query = "q=caf%C3%A9%20%E2%98%95";
    no("query: NUL in value", "open", "GET", "/echo", "query:invalid", {{"query", {{"q", std::string("a\0b", 3)}}}});
    no("query: CRLF in key", "open", "GET", "/echo", "query:invalid", {{"query", {{"a\r\nb", "1"}}}});
    no("query: empty key", "open", "GET", "/echo", "", {{"query", {{"", "1"}}}}, "invalid_argument");
    no("query: as string", "qkey", "GET", "/echo", "", {{"query", "api_key=evil"}}, "invalid_argument");
    no("query: as array", "qkey", "GET", "/echo", "", {{"query", json::array({"api_key", "evil"})}}, "invalid_argument");
    no("query: number value", "open", "GET", "/echo", "", {{"query", {{"q", 1}}}}, "invalid_argument");
    no("query: array of numbers", "open", "GET", "/echo", "", {{"query", {{"q", json::array({1})}}}}, "invalid_argument");
    no("query: object value", "open", "GET", "/echo", "", {{"query", {{"q", {{"a", "b"}}}}}}, "invalid_argument");

    // ---- bodies (open has maxRequestBytes 1024)
    ok("body: JSON", "open", "POST", "/items", "/items", {{"body", {{"name", "x"}}}}).body = R"({"name":"x"})";
    ok("body: string", "open", "POST", "/items", "/items", {{"body", "hello"}}).body = "hello";
    ok("body: base64", "open", "POST", "/items", "/items", {{"body", "AAEC/w=="}, {"bodyEncoding", "base64"}}).body = std::string("\0\1\2\xff", 4);
    ok("body: at the limit", "open", "POST", "/items", "/items", {{"body", std::string(1024, 'x')}}).body = std::string(1024, 'x');
    no("body: one over the limit", "open", "POST", "/items", "size:request", {{"body", std::string(1025, 'x')}});
    no("body: huge", "open", "POST", "/items", "size:request", {{"body", std::string(200000, 'x')}});
    no("body: huge base64", "open", "POST", "/items", "size:request",
       {{"body", QByteArray(4096, 'z').toBase64().toStdString()}, {"bodyEncoding", "base64"}});
    no("body: invalid base64", "open", "POST", "/items", "", {{"body", "@@@!"}, {"bodyEncoding", "base64"}}, "invalid_argument");
    no("body: base64 of an object", "open", "POST", "/items", "", {{"body", {{"a", 1}}}, {"bodyEncoding", "base64"}}, "invalid_argument");
    no("body: base64 without body", "open", "POST", "/items", "", {{"bodyEncoding", "base64"}}, "invalid_argument");
    no("body: unknown encoding", "open", "POST", "/items", "", {{"body", "x"}, {"bodyEncoding", "hex"}}, "invalid_argument");
    no("body: to a denied route", "strict", "POST", "/public/readme", NOMATCH, {{"body", "x"}});
    ok("body: JSON with agent Content-Type", "open", "POST", "/items", "/items",
       {{"body", {{"a", 1}}}, {"headers", {{"Content-Type", "application/vnd.x+json"}}}}).body = R"({"a":1})";

    // ---- argument type confusion
    bad("type: path as array", json{{"service", "open"}, {"method", "GET"}, {"path", json::array({"/items"})}});
    bad("type: path as object", json{{"service", "open"}, {"method", "GET"}, {"path", {{"p", "/items"}}}});
    bad("type: path null", json{{"service", "open"}, {"method", "GET"}, {"path", nullptr}});
    bad("type: path number", json{{"service", "open"}, {"method", "GET"}, {"path", 1}});
    bad("type: headers as string", json{{"service", "open"}, {"method", "GET"}, {"path", "/items"}, {"headers", "Authorization: Bearer x"}});
    bad("type: headers as array", json{{"service", "open"}, {"method", "GET"}, {"path", "/items"}, {"headers", json::array({"Host", "evil"})}});
    bad("type: extra url", json{{"service", "open"}, {"method", "GET"}, {"path", "/items"}, {"url", "https://evil.example/"}});
    bad("type: extra baseUrl", json{{"service", "open"}, {"method", "GET"}, {"path", "/items"}, {"baseUrl", "https://evil.example/"}});
    bad("type: extra secret", json{{"service", "open"}, {"method", "GET"}, {"path", "/items"}, {"secret", true}});
    bad("type: service as array", json{{"service", json::array({"open"})}, {"method", "GET"}, {"path", "/items"}});
    bad("type: service empty", json{{"service", ""}, {"method", "GET"}, {"path", "/items"}});
    bad("type: service ../open", json{{"service", "../open"}, {"method", "GET"}, {"path", "/items"}});
    bad("type: service OPEN", json{{"service", "OPEN"}, {"method", "GET"}, {"path", "/items"}});
    bad("type: service missing", json{{"method", "GET"}, {"path", "/items"}});
    bad("type: reason number", json{{"service", "open"}, {"method", "GET"}, {"path", "/items"}, {"reason", 5}});

    // ---- reflected secrets and redirects
    ok("leak: open /leak", "open", "GET", "/leak", "/leak");
    ok("leak: open /leak/deep", "open", "GET", "/leak/deep", "/leak/deep");
    ok("leak: qkey /leak", "qkey", "GET", "/leak", "/leak");
    ok("leak: qkey /leak with query", "qkey", "GET", "/leak", "/leak", {{"query", {{"q", "x"}}}}).query = "q=x";
    ok("leak: strict echo reflects Authorization", "strict", "GET", "/public/leak", "/public/leak");
    ok("leak: open echo", "open", "GET", "/echo", "/echo");
    ok("leak: qkey echo", "qkey", "GET", "/echo", "/echo");
    ok("redirect: open 302 not followed", "open", "GET", "/redirect", "/redirect").status = 302;
    ok("redirect: qkey 302 not followed", "qkey", "GET", "/redirect", "/redirect").status = 302;
    ok("status: 500 is a response", "open", "GET", "/status/500", "/status/500").status = 500;
    ok("binary: base64 back", "open", "GET", "/binary", "/binary");

    // ---- harmless calls that must still succeed
    ok("harmless: GET /items", "open", "GET", "/items", "/items");
    ok("harmless: GET /public/readme", "strict", "GET", "/public/readme", "/public/readme");
    ok("harmless: POST /items JSON", "open", "POST", "/items", "/items", {{"body", {{"name", "widget"}, {"n", 2}}}}).body =
        R"({"n":2,"name":"widget"})";
    ok("harmless: POST /public/upload", "strict", "POST", "/public/upload", "/public/upload", {{"body", "data"}}).body = "data";
    ok("harmless: query with unicode", "open", "GET", "/items", "/items", {{"query", {{"q", "\u65e5\u672c caf\u00e9"}}}}).query =
        "q=%E6%97%A5%E6%9C%AC%20caf%C3%A9";
    ok("harmless: qkey GET /", "qkey", "GET", "/", "/");
    ok("harmless: reason given", "open", "GET", "/items/1", "/items/1", {{"reason", "checking item 1"}});
    return c;
}

const char *const kForbiddenHeaders[] = {
    "cookie", "cookie2", "proxy-authorization", "proxy-connection", "proxy-authenticate", "forwarded", "x-forwarded",
    "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "true-client-ip", "x-client-ip", "x-host",
    "x-original-host", "x-http-method-override", "x-http-method", "x-method-override", "x-original-url", "x-rewrite-url",
    "transfer-encoding", "te", "trailer", "upgrade", "keep-alive", "http2-settings", "x-injected", "x-api-key", "api_key"};

} // namespace

class TestHostile : public QObject {
    Q_OBJECT

    TempHome m_home;
    HttpsUpstream m_upstream;
    QByteArray m_canary;
    keyward::Redactor m_detector;
    std::vector<Case> m_cases;
    json m_results = json::array();
    std::vector<json> m_received;
    qint64 m_batchMs = 0;

    void addService(const QString &name, const QStringList &flags)
    {
        const Run run = runKeyward(m_home, QStringList{QStringLiteral("service"), QStringLiteral("add"), name} + flags, m_canary + "\n");
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(!m_detector.containsSecret(run.out + run.err));
    }

    static std::string tagOf(std::size_t i) { return "case-" + std::to_string(i); }

    std::vector<json> receivedFor(std::size_t i) const
    {
        std::vector<json> out;
        for (const json &r : m_received) {
            const json &h = r["headers"];
            if (h.contains("idempotency-key") && h["idempotency-key"] == tagOf(i))
                out.push_back(r);
        }
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"),
                 "this test needs the real keychain: run it through installers/test.sh");
        QVERIFY2(m_upstream.start(), qPrintable(m_upstream.errorString()));
        m_canary = randomCanary();
        m_detector = keyward::Redactor({m_canary}, QStringLiteral("canary"));
        const QString ca = m_upstream.caFile();
        const auto s = [](const char *t) { return QString::fromUtf8(t); };
        addService(s("open"), {s("--base-url"), m_upstream.baseUrl(s("/v1")), s("--auth"), s("bearer"), s("--ca-file"), ca,
                               s("--allow"), s("GET /**"), s("--allow"), s("POST /items")});
        addService(s("strict"), {s("--base-url"), m_upstream.baseUrl(s("/api")), s("--auth"), s("bearer"), s("--ca-file"), ca,
                                 s("--allow"), s("GET /public/**"), s("--deny"), s("GET /public/secret*"), s("--allow"),
                                 s("POST /public/upload")});
        addService(s("qkey"), {s("--base-url"), m_upstream.baseUrl(), s("--auth"), s("query"), s("--param"), s("api_key"),
                               s("--ca-file"), ca});

        // maxRequestBytes has no CLI flag: lower it for `open` by a hand edit (DESIGN: picked up live).
        {
            QFile file(m_home.filePath(s("config.json")));
            QVERIFY(file.open(QIODevice::ReadOnly));
            json config = json::parse(file.readAll().toStdString());
            file.close();
            config["services"]["open"]["policy"]["maxRequestBytes"] = 1024;
            // Every hostile case comes from one agent on purpose: keep the alerts from stopping it.
            config["settings"]["notifications"] = json{{"rules", {{"exfiltration", {{"autoKill", false}}}}}};
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write(QByteArray::fromStdString(config.dump(2)));
            file.close();
        }

        m_cases = buildCases();
        // sdk_call_client.mjs prints its results in one write and then calls process.exit(), which can cut
        // its stdout at 64 KiB on a pipe: batch the calls so that each session's output stays well under.
        QElapsedTimer timer;
        timer.start();
        int sessions = 0;
        std::size_t next = 0;
        while (next < m_cases.size()) {
            json plan = json::array();
            std::size_t budget = 0;
            const std::size_t first = next;
            for (; next < m_cases.size() && budget < 40000; ++next) {
                json a = m_cases[next].args;
                if (a.is_object() && (!a.contains("headers") || a["headers"].is_object()))
                    a["headers"]["Idempotency-Key"] = tagOf(next);
                plan.push_back(json{{"name", "execute"}, {"arguments", a}});
                budget += m_cases[next].expect == Expect::Allowed ? 6000 : 1200;
            }
            QFile file(m_home.filePath(s("plan.json")));
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(QByteArray::fromStdString(plan.dump(-1, ' ', false, json::error_handler_t::strict)));
            file.close();
            const auto run = keyward::test::runNode(s("sdk_call_client.mjs"), {s(KEYWARD_BINARY), file.fileName()}, m_home, 120000);
            ++sessions;
            file.remove();
            QVERIFY2(run.finished, "the SDK client did not finish");
            const json out = json::parse(run.stdoutText.toStdString(), nullptr, false);
            QVERIFY2(out.is_object() && out.value("ok", false),
                     qPrintable(QStringLiteral("cases %1..: ").arg(first) + run.stdoutText.right(1000) + run.stderrText.left(2000)));
            QCOMPARE(out["results"].size(), plan.size());
            for (const json &result : out["results"])
                m_results.push_back(result);
            QVERIFY2(!m_detector.containsSecret(run.stdoutText.toUtf8()), "the canary reached the MCP client");
            QVERIFY2(!m_detector.containsSecret(run.stderrText.toUtf8()), "the canary reached keyward's stderr");
        }
        m_batchMs = timer.elapsed();
        QCOMPARE(m_results.size(), m_cases.size());
        m_received = m_upstream.received();
        qInfo("%zu cases in %d SDK sessions: %lld ms, upstream got %zu requests", m_cases.size(), sessions, m_batchMs, m_received.size());
    }

    void enoughCases() { QVERIFY2(m_cases.size() >= 150, std::to_string(m_cases.size()).c_str()); }

    void hostile_data()
    {
        QTest::addColumn<int>("index");
        for (std::size_t i = 0; i < m_cases.size(); ++i)
            QTest::newRow(m_cases[i].name.c_str()) << int(i);
    }

    void hostile()
    {
        QFETCH(int, index);
        const Case &k = m_cases[std::size_t(index)];
        const json &result = m_results[std::size_t(index)];
        const std::string dump = result.dump(-1, ' ', false, json::error_handler_t::replace);
        QVERIFY2(!result.contains("clientError"), dump.c_str());
        // Nothing the client got for this call holds the canary, in any encoding.
        QVERIFY2(!m_detector.containsSecret(QByteArray::fromStdString(dump)), "canary in the client's result");
        const std::vector<json> got = receivedFor(std::size_t(index));
        if (k.bug)
            QEXPECT_FAIL("", k.bug, Abort);

        if (k.expect == Expect::Refused) {
            QVERIFY2(result.value("isError", false), dump.c_str());
            QVERIFY2(!result.contains("structuredContent"), dump.c_str());
            const json error = json::parse(result["content"][0]["text"].get<std::string>());
            if (!k.error.empty())
                QVERIFY2(error.value("error", "") == k.error, dump.c_str());
            else
                QVERIFY2(error.value("error", "") == "denied" || error.value("error", "") == "invalid_argument", dump.c_str());
            if (!k.rule.empty()) {
                QString rule = QString::fromStdString(error.value("rule", "")).toLower();
                QVERIFY2(rule.startsWith(QString::fromStdString(k.rule).toLower()), dump.c_str());
            }
            QVERIFY2(!error.value("message", "").empty(), dump.c_str());
            QVERIFY2(got.empty(), ("a refused call reached the upstream: " + json(got).dump()).c_str());
            return;
        }

        QVERIFY2(!result.value("isError", true), dump.c_str());
        const json content = result["structuredContent"];
        QVERIFY2(content.value("status", 0) == k.status, dump.c_str());
        QVERIFY2(got.size() == 1, ("the upstream got " + std::to_string(got.size()) + " requests").c_str());
        const json &r = got[0];
        const std::string method = k.args["method"];
        QCOMPARE(QString::fromStdString(r["method"].get<std::string>()), QString::fromStdString(method));
        const std::string rawUrl = r["rawUrl"];
        const auto qmark = rawUrl.find('?');
        const std::string path = rawUrl.substr(0, qmark);
        const std::string query = qmark == std::string::npos ? "" : rawUrl.substr(qmark + 1);
        const std::string service = k.args["service"];
        QVERIFY2(path.rfind(basePath(service) + "/", 0) == 0, rawUrl.c_str()); // stays under the base path
        QCOMPARE(QString::fromStdString(path), QString::fromStdString(k.path));

        // Host is the upstream's; no forbidden header; exactly one credential, in its one place.
        const json &headers = r["headers"];
        QCOMPARE(QString::fromStdString(headers.value("host", "")), QStringLiteral("127.0.0.1:%1").arg(m_upstream.port()));
        for (const char *name : kForbiddenHeaders)
            QVERIFY2(!headers.contains(name), name);
        QVERIFY(QString::fromStdString(headers.value("user-agent", "")).startsWith(QStringLiteral("Keyward/")));
        int authCount = 0;
        const json &raw = r["rawHeaders"];
        for (std::size_t i = 0; i + 1 < raw.size(); i += 2) {
            const QString name = QString::fromStdString(raw[i].get<std::string>()).toLower();
            QVERIFY2(name != QLatin1String("host") || raw[i + 1] == headers["host"], "a second Host header");
            authCount += name == QLatin1String("authorization");
        }
        // Query items other than the credential, and the credential count.
        std::vector<std::string> others;
        int keyCount = 0;
        std::string keyValue;
        if (!query.empty()) {
            for (const QByteArray &item : QByteArray::fromStdString(query).split('&')) {
                const QByteArray key = QByteArray::fromPercentEncoding(item.left(item.indexOf('=')));
                if (key.toLower().replace('.', '_') == "api_key" && service == "qkey") {
                    ++keyCount;
                    keyValue = QByteArray::fromPercentEncoding(item.mid(item.indexOf('=') + 1)).toStdString();
                } else {
                    others.push_back(item.toStdString());
                }
            }
        }
        if (service == "qkey") {
            QCOMPARE(authCount, 0);
            QCOMPARE(keyCount, 1);
            QVERIFY(keyValue == m_canary.toStdString());
        } else {
            QCOMPARE(authCount, 1);
            QVERIFY(headers.value("authorization", "") == "Bearer " + m_canary.toStdString());
            QVERIFY2(!m_detector.containsSecret(QByteArray::fromStdString(rawUrl)), "credential in a bearer service's URL");
        }
        if (k.query) {
            std::string joined;
            for (const std::string &o : others)
                joined += (joined.empty() ? "" : "&") + o;
            QCOMPARE(QString::fromStdString(joined), QString::fromStdString(*k.query));
        }
        if (k.body) {
            const QByteArray body = QByteArray::fromBase64(QByteArray::fromStdString(r["body"].get<std::string>()));
            QCOMPARE(body, QByteArray::fromStdString(*k.body));
        }
        // Every echoing route reflected the credential: it came back, redacted (so the leak checks bite).
        if (k.status == 200 && method == "GET" && k.path.find("/binary") == std::string::npos)
            QVERIFY2(dump.find("[REDACTED:" + service + "]") != std::string::npos, dump.substr(0, 1500).c_str());
        if (k.status == 302)
            QCOMPARE(QString::fromStdString(content["headers"].value("location", "")), QStringLiteral("https://evil.example/steal"));
    }

    void upstreamGotOnlyTaggedAllowedCalls()
    {
        std::size_t allowed = 0;
        for (const Case &k : m_cases)
            allowed += k.expect == Expect::Allowed;
        for (const json &r : m_received) {
            QVERIFY2(r["headers"].contains("idempotency-key"), r.dump().c_str());
            const std::string tag = r["headers"]["idempotency-key"];
            const std::size_t i = std::stoul(tag.substr(5));
            QVERIFY2(i < m_cases.size() && m_cases[i].expect == Expect::Allowed, r.dump().c_str());
        }
        QCOMPARE(m_received.size(), allowed);
    }

    void noFileUnderTheHomeHoldsTheCanary()
    {
        QDirIterator files(m_home.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        int checked = 0;
        while (files.hasNext()) {
            QFile file(files.next());
            QVERIFY(file.open(QIODevice::ReadOnly));
            QVERIFY2(!m_detector.containsSecret(file.readAll()), qPrintable(file.fileName()));
            ++checked;
        }
        QVERIFY(checked >= 2);
    }

    void noAuditColumnHoldsTheCanary()
    {
        int rows = 0;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("audit"));
            db.setDatabaseName(m_home.filePath(QStringLiteral("audit.db")));
            db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
            QVERIFY(db.open());
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("SELECT * FROM audit")));
            while (query.next()) {
                ++rows;
                for (int col = 0; col < query.record().count(); ++col) {
                    const QVariant value = query.value(col);
                    const QByteArray bytes = value.typeId() == QMetaType::QByteArray ? value.toByteArray() : value.toString().toUtf8();
                    QVERIFY2(!m_detector.containsSecret(bytes), qPrintable(query.record().fieldName(col)));
                }
            }
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("audit"));
        QVERIFY2(rows >= int(m_cases.size()), QByteArray::number(rows).constData());
    }

    void logCliHoldsNoCanary()
    {
        const Run log = runKeyward(m_home, {QStringLiteral("log"), QStringLiteral("--json"), QStringLiteral("--limit"), QStringLiteral("100000")});
        QCOMPARE(log.exitCode, 0);
        QVERIFY(!m_detector.containsSecret(log.out + log.err));
        QVERIFY(log.out.count('\n') >= qsizetype(m_cases.size()));
        const Run verify = runKeyward(m_home, {QStringLiteral("log"), QStringLiteral("verify")});
        QCOMPARE(verify.exitCode, 0);
    }
};

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
