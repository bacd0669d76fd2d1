#include "policy/widening.h"

#include "policy/effectivepolicy.h"
#include "policy/rulematcher.h"

#include <algorithm>

namespace keyward::policy {

namespace {

// The rules in force: no rules is the read-only default of DESIGN.md "Policy".
QList<Rule> rulesInForce(const Policy &policy)
{
    if (!policy.rules.isEmpty())
        return policy.rules;
    return {Rule{RuleAction::Allow, QStringLiteral("GET"), QStringLiteral("/**")},
            Rule{RuleAction::Allow, QStringLiteral("HEAD"), QStringLiteral("/**")}};
}

QString actionText(RuleAction action)
{
    return action == RuleAction::Allow ? QStringLiteral("allow") : action == RuleAction::Ask ? QStringLiteral("ask")
                                                                                              : QStringLiteral("deny");
}

double ratePerSecond(const RateLimit &rate)
{
    static constexpr double kSeconds[] = {1.0, 60.0, 3600.0, 86400.0};
    return double(rate.n) / kSeconds[int(rate.per)];
}

void comparePolicies(const Policy &before, const Policy &after, const QString &who, QStringList &changes)
{
    const QList<Rule> oldRules = rulesInForce(before);
    const QList<Rule> newRules = rulesInForce(after);
    for (const Rule &rule : newRules) {
        if (rule.action != RuleAction::Deny && !oldRules.contains(rule))
            changes << QStringLiteral("%1: new %2 rule %3").arg(who, actionText(rule.action), ruleToText(rule));
    }
    for (const Rule &rule : oldRules) {
        if (rule.action == RuleAction::Deny && !newRules.contains(rule))
            changes << QStringLiteral("%1: deny rule %2 removed").arg(who, ruleToText(rule));
    }
    if (before.rate && !after.rate) {
        changes << QStringLiteral("%1: rate limit removed").arg(who);
    } else if (before.rate && after.rate
               && (ratePerSecond(*after.rate) > ratePerSecond(*before.rate) || after.rate->burst > before.rate->burst)) {
        changes << QStringLiteral("%1: rate limit raised").arg(who);
    }
    if (!before.schedule.isEmpty() && after.schedule != before.schedule) {
        changes << (after.schedule.isEmpty() ? QStringLiteral("%1: schedule removed").arg(who)
                                             : QStringLiteral("%1: schedule changed to %2")
                                                   .arg(who, after.schedule.join(QStringLiteral("; "))));
    }
    if (before.requireReason && !after.requireReason)
        changes << QStringLiteral("%1: a reason is no longer required").arg(who);
    if (before.agents && !after.agents) {
        changes << QStringLiteral("%1: every agent may call it").arg(who);
    } else if (before.agents && after.agents) {
        QStringList added;
        for (const QString &agent : *after.agents) {
            if (!before.agents->contains(agent))
                added << agent;
        }
        if (!added.isEmpty())
            changes << QStringLiteral("%1: agents added: %2").arg(who, added.join(QStringLiteral(", ")));
    }
    for (const QString &header : after.allowHeaders) {
        const bool known = std::any_of(before.allowHeaders.cbegin(), before.allowHeaders.cend(),
                                       [&header](const QString &h) { return h.compare(header, Qt::CaseInsensitive) == 0; });
        if (!known)
            changes << QStringLiteral("%1: agents may send the header %2").arg(who, header);
    }
}

} // namespace

QStringList wideningChanges(const Config &before, const Config &after)
{
    QStringList changes;
    for (const auto &[name, next] : after.services) {
        const auto found = before.services.find(name);
        if (found == before.services.end())
            continue;
        const ServiceConfig &previous = found->second;
        if (!previous.enabled && next.enabled)
            changes << QStringLiteral("%1: enabled").arg(name);
        comparePolicies(previous.policy, next.policy, name, changes);
        QStringList agents;
        for (const auto &[agent, unused] : previous.agentPoliciesJson)
            agents << agent;
        for (const auto &[agent, unused] : next.agentPoliciesJson) {
            if (!agents.contains(agent))
                agents << agent;
        }
        agents.sort();
        for (const QString &agent : agents) {
            // Only the fields the agent overrides (before or after): the rest were compared above.
            QStringList fields = overriddenFields(previous, agent) + overriddenFields(next, agent);
            const Policy old = effectivePolicy(previous, agent);
            Policy now = effectivePolicy(next, agent);
            if (!fields.contains(QLatin1String("rules")))
                now.rules = old.rules;
            if (!fields.contains(QLatin1String("rate")))
                now.rate = old.rate;
            if (!fields.contains(QLatin1String("schedule")))
                now.schedule = old.schedule;
            if (!fields.contains(QLatin1String("requireReason")))
                now.requireReason = old.requireReason;
            if (!fields.contains(QLatin1String("agents")))
                now.agents = old.agents;
            if (!fields.contains(QLatin1String("allowHeaders")))
                now.allowHeaders = old.allowHeaders;
            comparePolicies(old, now, QStringLiteral("%1 for agent %2").arg(name, agent), changes);
        }
    }
    return changes;
}

QStringList wideningChanges(const KillSwitches &before, const KillSwitches &after)
{
    QStringList changes;
    const QList<KillTarget> lifted = before.targets();
    for (const KillTarget &target : lifted) {
        if (!after.isKilled(target))
            changes << QStringLiteral("resume %1").arg(target.describe());
    }
    return changes;
}

} // namespace keyward::policy
