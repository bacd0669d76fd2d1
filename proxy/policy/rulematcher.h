#pragma once

#include "config/config.h"
#include "core/result.h"

#include <QString>
#include <QStringList>

namespace keyward::policy {

// Rules are `METHOD /path/glob`, relative to the service's base path (DESIGN.md "Policy").
//
// Method: one of GET HEAD POST PUT PATCH DELETE OPTIONS, or `*` for any; uppercase only.
// Path glob, matched segment by segment against a path from normalizePath():
//   `**`   a whole segment: zero or more segments, so /public/** matches /public, /public/ and
//          /public/a/b (everything under /public, /public itself included); /** matches every path
//   `*`    a whole segment: exactly one segment, so /public/* matches /public/x but neither
//          /public nor /public/x/y
//   `*` inside a segment: any run of characters within that segment (v*, *.json, a*b); a literal
//          `*` cannot be written (a path's %2A is matched by a rule's %2A)
//   text   compared after the same normalization as paths (/%7Euser ≡ /~user, /café ≡ /caf%C3%A9)
// A trailing `/` is not significant on either side: the rule /users/1 matches /users/1/ too (a
// deny rule cannot be sidestepped with a trailing slash) and the rule text /users/ is stored as
// /users.
// Case: allow rules match the path case-sensitively; deny and ask rules ignore ASCII case, so a
// deny rule on /admin also stops /ADMIN on a server that ignores case. Both directions fail safe.
// Methods match exactly (a GET rule does not cover HEAD).

inline constexpr QLatin1String kDefaultReadOnly("default:read-only");
inline constexpr QLatin1String kDefaultNoMatchingRule("default:no-matching-rule");
inline constexpr QLatin1String kDefaultInvalidRule("default:invalid-rule");

// GET HEAD POST PUT PATCH DELETE OPTIONS, in that order.
const QStringList &supportedMethods();
bool isSupportedMethod(const QString &method);

// Parses rule text such as "GET /repos/*/issues/**" (method and glob separated by whitespace,
// surrounding whitespace ignored) into a canonical Rule with `action`. Errors have code
// invalid_argument and say what to write instead.
Result<Rule> parseRule(const QString &text, RuleAction action);

// Checks a rule read from config and returns its canonical form (the path glob normalized as
// above, a trailing `/` removed). Same errors as parseRule.
Result<Rule> validateRule(const Rule &rule);

// "METHOD /path/glob", the text parseRule reads back; it names the rule in decisions and denials.
QString ruleToText(const Rule &rule);

// True when `rule` (canonical, from parseRule/validateRule) covers `method` on `normalizedPath`.
bool ruleMatches(const Rule &rule, const QString &method, const QString &normalizedPath);

struct RuleDecision {
    RuleAction action = RuleAction::Deny;
    // ruleToText of the deciding rule, or kDefaultReadOnly (no allow or ask rule: GET and HEAD
    // allowed, the rest denied), kDefaultNoMatchingRule (allow or ask rules exist, none matched)
    // or kDefaultInvalidRule (a rule of the policy does not validate: everything is denied until
    // the policy is fixed).
    QString rule;

    bool operator==(const RuleDecision &) const = default;
};

// Decides a call by `policy.rules`: every matching deny rule beats every matching ask rule,
// which beats every matching allow rule; among rules of one action the first listed names the
// decision. `method` is the call's method as sent (uppercase); `normalizedPath` must come from
// normalizePath().
RuleDecision decide(const Policy &policy, const QString &method, const QString &normalizedPath);

} // namespace keyward::policy
