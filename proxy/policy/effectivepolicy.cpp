#include "policy/effectivepolicy.h"

#include "config/configjson.h"

#include <QHash>
#include <QMutex>
#include <QMutexLocker>

#include <memory>

namespace keyward::policy {

namespace {

using ParsedOverride = std::shared_ptr<const Result<PolicyOverride>>;

// Overrides change only when the config does, so a handful of texts are ever live; the cache is
// dropped whole when it outgrows this (after many config edits), never grows without bound.
constexpr qsizetype kMaxCachedOverrides = 256;

ParsedOverride parsedOverride(const QString &text)
{
    static QMutex mutex;
    static QHash<QString, ParsedOverride> cache;
    {
        const QMutexLocker locker(&mutex);
        if (const auto found = cache.constFind(text); found != cache.constEnd())
            return found.value();
    }
    auto parsed = std::make_shared<const Result<PolicyOverride>>(policyOverrideFromJson(text));
    const QMutexLocker locker(&mutex);
    if (cache.size() >= kMaxCachedOverrides)
        cache.clear();
    cache.insert(text, parsed);
    return parsed;
}

// Copies the fields named in `parsed.fields` from the override onto `policy`.
Policy applyFields(Policy policy, const PolicyOverride &parsed)
{
    const Policy &o = parsed.policy;
    for (const QString &field : parsed.fields) {
        if (field == QLatin1String("rules"))
            policy.rules = o.rules;
        else if (field == QLatin1String("rate"))
            policy.rate = o.rate;
        else if (field == QLatin1String("schedule"))
            policy.schedule = o.schedule;
        else if (field == QLatin1String("requireReason"))
            policy.requireReason = o.requireReason;
        else if (field == QLatin1String("agents"))
            policy.agents = o.agents;
        else if (field == QLatin1String("timeoutMs"))
            policy.timeoutMs = o.timeoutMs;
        else if (field == QLatin1String("maxRequestBytes"))
            policy.maxRequestBytes = o.maxRequestBytes;
        else if (field == QLatin1String("maxResponseBytes"))
            policy.maxResponseBytes = o.maxResponseBytes;
        else if (field == QLatin1String("allowHeaders"))
            policy.allowHeaders = o.allowHeaders;
    }
    return policy;
}

} // namespace

Rule invalidOverrideRule() { return Rule{RuleAction::Deny, QString(kInvalidOverrideMethod), QStringLiteral("/**")}; }

bool isInvalidOverride(const Policy &policy)
{
    return policy.rules.size() == 1 && policy.rules.first() == invalidOverrideRule();
}

Result<Policy> applyPolicyOverride(const Policy &base, const QString &overrideJson)
{
    const ParsedOverride parsed = parsedOverride(overrideJson);
    if (!*parsed)
        return parsed->error();
    return applyFields(base, parsed->value());
}

Policy effectivePolicy(const ServiceConfig &service, const QString &agent)
{
    if (agent.isEmpty())
        return service.policy;
    const auto found = service.agentPoliciesJson.find(agent);
    if (found == service.agentPoliciesJson.end())
        return service.policy;
    auto applied = applyPolicyOverride(service.policy, found->second);
    if (!applied) {
        Policy closed = service.policy;
        closed.rules = {invalidOverrideRule()};
        return closed;
    }
    return std::move(applied).value();
}

QStringList overriddenFields(const ServiceConfig &service, const QString &agent)
{
    const auto found = service.agentPoliciesJson.find(agent);
    if (agent.isEmpty() || found == service.agentPoliciesJson.end())
        return {};
    const ParsedOverride parsed = parsedOverride(found->second);
    return *parsed ? parsed->value().fields : QStringList();
}

} // namespace keyward::policy
