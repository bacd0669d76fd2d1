#pragma once

#include "core/result.h"

#include <QString>
#include <QUrl>

namespace keyward::policy {

// Longest path accepted, in bytes, measured both on the raw path (UTF-8) and on the normalized one.
inline constexpr int kMaxPathBytes = 2048;

// Normalizes the `path` of an `execute` call (relative to the service's base path) into the one
// form that is matched against the rules, sent upstream and logged (DESIGN.md "Policy").
//
// The result is pure ASCII and canonical; normalizePath(normalizePath(p)) == normalizePath(p):
//   - percent-escapes of unreserved characters (ALPHA DIGIT - _ ~) are decoded: /%61pi → /api;
//     every other escape is kept, with uppercase hex: %c3%a9 → %C3%A9;
//   - a raw non-ASCII character is percent-encoded as UTF-8: /café → /caf%C3%A9;
//   - a raw space " < > [ ] ^ ` { | } is percent-encoded: /a b → /a%20b;
//   - `//` is collapsed to `/`; `.` and `..` segments are removed (RFC 3986 5.2.4);
//     a trailing `/`, `/.` or `/..` leaves a trailing slash: /a/b/.. → /a/;
//   - `@` and `:` are ordinary path characters: the path always starts with exactly one `/` and
//     is joined under the base path, so it can never become an authority or userinfo.
//
// Every refusal is a denial (denial.h) whose code names the rule:
//   guard:relative-path     the path does not start with `/` (empty included)
//   guard:absolute-url      the path starts with a scheme (`https://x`, `mailto:`)
//   guard:scheme-relative   the path starts with `//` (a `//host` reference)
//   guard:query-in-path     a raw `?`: the query goes in `query`
//   guard:fragment-in-path  a raw `#`
//   guard:backslash         a raw `\`
//   guard:path-parameter    a `;` raw or encoded (%3B) (matrix/path parameters)
//   guard:control-char      a raw or encoded control character: 0x00-0x1F, 0x7F, U+0080-U+009F
//   guard:encoded-slash     %2F
//   guard:encoded-backslash %5C
//   guard:encoded-dot       %2E (anywhere, also inside a segment)
//   guard:encoded-percent   %25 (hides a double encoding such as %252E)
//   guard:bad-escape        `%` not followed by two hex digits (%G1, a truncated %4)
//   guard:bad-utf8          escaped bytes >= 0x80 that are not shortest-form UTF-8 of a scalar value
//                           (%C0%AE, %E0%80%AE, %ED%A0%80, %FF, a lone %C3), or a lone surrogate
//   guard:confusable-char   a non-ASCII character whose compatibility form (NFKC) contains ASCII
//                           (fullwidth `／` `．` `ａ`, `․`), which a server may fold into it
//   guard:invisible-char    a non-ASCII format character (zero-width space, bidi controls, BOM)
//   guard:dot-segment       a `..` that would climb above the base path
//   guard:path-length       more than kMaxPathBytes, before or after normalization
Result<QString> normalizePath(const QString &raw);

// The URL a normalized path calls under a service's base URL: base path (without trailing `/`)
// + the path, so https://x/v1 and https://x/v1/ with /users both give https://x/v1/users, and `/`
// gives https://x/v1/. The URL is built from encoded bytes in QUrl::StrictMode (never from decoded
// text) and checked to stay under the base: same scheme, host and port, no userinfo, query or
// fragment, the base path as a prefix ending on a segment boundary, and the encoded path exactly
// the one computed. Send it with toEncoded() / FullyEncoded, never with a decoded form.
//
// Errors: invalid_argument when `baseUrl` is not http(s)://host[:port][/prefix] without userinfo,
// query, fragment or dot segments; guard:not-normalized when `normalizedPath` is not the output
// of normalizePath; guard:outside-base when the built URL would leave the base.
Result<QUrl> joinUnderBase(const QUrl &baseUrl, const QString &normalizedPath);

} // namespace keyward::policy
