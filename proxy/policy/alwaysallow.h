#pragma once

#include "config/config.h"
#include "core/keywardhome.h"
#include "core/result.h"
#include "policy/approvalprovider.h"

#include <QString>

namespace keyward::policy {

// "Always" on an `ask` approval (DESIGN.md "Policy"): the call is allowed from now on by the rule
// `allow METHOD /exact/path`, as `keyward policy set NAME [--agent A] --allow 'METHOD /exact/path'`
// would add it. Since ask wins over allow, an ask rule on exactly that method and path is removed
// in the same change; a broader ask rule (a glob), or a deny rule, that still matches the call
// would make the allow rule useless, so that is an error (code "always_not_possible") saying how
// to allow it instead. A path holding `*` cannot be named exactly by a rule and is refused too.
Result<Policy> alwaysAllowing(const Policy &policy, const QString &method, const QString &path);

// Whether `request` asked under the agent's own override of the rules (then "Always" changes that
// override, else the service's policy).
bool asksThroughAgentOverride(const ServiceConfig &service, const QString &agent);

// Makes "Always" for `request` permanent in the home's config.json: under the home's lock
// (run/lock, waiting at most `lockTimeoutMs`) it loads the config, applies alwaysAllowing() to the service's policy or, when the
// ask came from the agent's override, to that override's rules, saves the file and records one
// `change` row (method "policy set", path NAME or NAME/AGENT, agent `actor`). Returns the summary
// recorded ("added allow POST /v1/x"). Errors: the lock's, the config's, not_found when the
// service is gone, alwaysAllowing()'s, and the audit's (then the change is saved but not audited,
// and the message says so).
Result<QString> persistAlwaysAllow(const KeywardHome &home, const ApprovalRequest &request, const QString &actor,
                                   int lockTimeoutMs = 5000);

} // namespace keyward::policy
