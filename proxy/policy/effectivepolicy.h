#pragma once

#include "config/config.h"
#include "core/result.h"

#include <QLatin1String>
#include <QString>
#include <QStringList>

namespace keyward::policy {

// The policy a call of `agent` to a service is held to (DESIGN.md "Policy", "Files"): the
// service's policy with the fields of the agent's override (ServiceConfig::agentPoliciesJson,
// read by policyOverrideFromJson()) replacing the service's, field by field, for exactly the
// fields the override holds; a list field (rules, schedule, agents, allowHeaders) is replaced as a
// whole, never merged. An agent without an override, or an empty agent name, gets the service's
// policy unchanged.
//
// Fails closed: an override that does not parse or validate (possible only for a config built in
// memory, since loading and saving validate every override) gives the service's policy with its
// rules replaced by the single marker rule invalidOverrideRule(), which never validates, so
// decide() answers every call with kDefaultInvalidRule until the override is fixed. Check for it
// with isInvalidOverride().
//
// Parsed overrides are cached by their text (thread-safe, bounded), so a call costs a lookup, not
// a JSON parse.
Policy effectivePolicy(const ServiceConfig &service, const QString &agent);

// `base` with the fields present in `overrideJson` replacing its own; the override's error
// (code config_invalid, naming the JSON pointer inside the override) when it is not valid.
Result<Policy> applyPolicyOverride(const Policy &base, const QString &overrideJson);

// The config.json names of the fields `agent`'s override replaces, in config.json order; empty
// without an override or when the override is invalid.
QStringList overriddenFields(const ServiceConfig &service, const QString &agent);

// The rule effectivePolicy() puts in place of the rules of an agent whose override is invalid:
// method "INVALID-AGENT-OVERRIDE", which is no HTTP method, so the rule never validates.
inline constexpr QLatin1String kInvalidOverrideMethod("INVALID-AGENT-OVERRIDE");
Rule invalidOverrideRule();
bool isInvalidOverride(const Policy &policy);

} // namespace keyward::policy
