#pragma once

#include "core/result.h"

#include <QString>

namespace keyward::policy {

// How the guard (normalizePath, joinUnderBase, filterHeaders, checkQuery) reports a refusal.
//
// A refusal is an Error whose `code` is the rule that refused the call:
//   guard:<what>    the path (e.g. guard:encoded-slash, guard:dot-segment); see pathnormalizer.h
//   header:<name>   a header, <name> lowercase (e.g. header:authorization); header:invalid for a
//                   malformed header name or value
//   query:<param>   a query parameter, <param> as configured (e.g. query:api_key); query:invalid
//                   for a malformed key
// The MCP layer reports such an error as {"error":"denied","rule":<code>,"message":<message>}.
// Any other code (invalid_argument, …) is not a denial and is reported as
// {"error":<code>,"message":<message>} without a rule.

// The error for a refusal by `rule` (one of the prefixes above).
Error denial(const QString &rule, const QString &message);

// True when `error.code` is a rule (guard:, header: or query:).
bool isDenial(const Error &error);

// The MCP `error` of `error`: "denied" for a denial, else its code.
QString errorKind(const Error &error);

// The MCP `rule` of `error`: its code for a denial, else an empty string.
QString denialRule(const Error &error);

} // namespace keyward::policy
