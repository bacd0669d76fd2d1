#include "policy/alwaysallow.h"

#include "audit/auditlog.h"
#include "audit/changerecorder.h"
#include "config/configjson.h"
#include "config/homelock.h"
#include "policy/effectivepolicy.h"
#include "policy/rulematcher.h"

#include <nlohmann/json.hpp>

namespace keyward::policy {

namespace {

constexpr const char *kNotPossible = "always_not_possible";

} // namespace

Result<Policy> alwaysAllowing(const Policy &policy, const QString &method, const QString &path)
{
    if (path.contains(u'*')) {
        return Error{QString::fromLatin1(kNotPossible),
                     QStringLiteral("the path %1 holds a `*`, which a rule cannot name exactly; change the policy "
                                    "instead")
                         .arg(path)};
    }
    const auto allow = parseRule(method + u' ' + path, RuleAction::Allow);
    if (!allow)
        return Error{QString::fromLatin1(kNotPossible), allow.error().message};
    Policy changed = policy;
    changed.rules.removeIf([&allow](const Rule &rule) {
        return rule.action == RuleAction::Ask && rule.method == allow->method && rule.path == allow->path;
    });
    if (!changed.rules.contains(*allow))
        changed.rules << *allow;
    const RuleDecision decision = decide(changed, method, path);
    if (decision.action != RuleAction::Allow) {
        return Error{QString::fromLatin1(kNotPossible),
                     QStringLiteral("the rule `%1` still decides %2 %3 (ask and deny win over allow), so an allow rule "
                                    "for this call alone would not take effect; narrow that rule to allow it always")
                         .arg(decision.rule, method, path)};
    }
    return changed;
}

bool asksThroughAgentOverride(const ServiceConfig &service, const QString &agent)
{
    return overriddenFields(service, agent).contains(QLatin1String("rules"));
}

Result<QString> persistAlwaysAllow(const KeywardHome &home, const ApprovalRequest &request, const QString &actor,
                                   int lockTimeoutMs)
{
    auto lock = HomeLock::acquire(home, lockTimeoutMs);
    if (!lock)
        return lock.error();
    auto loaded = loadConfigFile(home.configFile());
    if (!loaded)
        return loaded.error();
    Config config = std::move(loaded).value();
    const auto found = config.services.find(request.service);
    if (found == config.services.end()) {
        return Error{QStringLiteral("not_found"),
                     QStringLiteral("the service '%1' no longer exists").arg(request.service)};
    }
    ServiceConfig &service = found->second;
    const bool forAgent = asksThroughAgentOverride(service, request.agent);
    const Policy current = forAgent ? effectivePolicy(service, request.agent) : service.policy;
    if (isInvalidOverride(current)) {
        return Error{QStringLiteral("config_invalid"),
                     QStringLiteral("the override of agent '%1' is invalid; fix it in config.json first").arg(request.agent)};
    }
    const auto changed = alwaysAllowing(current, request.method, request.path);
    if (!changed)
        return changed.error();
    if (forAgent) {
        ServiceConfig holder;
        holder.policy = *changed;
        const nlohmann::json rules = nlohmann::json::parse(serviceToJson(holder)["policy"]["rules"].dump());
        nlohmann::json overrides =
            nlohmann::json::parse(service.agentPoliciesJson[request.agent].toStdString(), nullptr, false);
        if (!overrides.is_object())
            overrides = nlohmann::json::object();
        overrides["rules"] = rules;
        service.agentPoliciesJson[request.agent] = QString::fromStdString(overrides.dump());
    } else {
        service.policy = *changed;
    }
    if (auto saved = saveConfigFile(home.configFile(), config); !saved)
        return saved.error();

    const QString target = forAgent ? QString(request.service + u'/' + request.agent) : request.service;
    const QString summary = QStringLiteral("added allow %1 %2").arg(request.method, request.path);
    AuditLog audit(home.auditDatabase());
    if (const auto recorded = recordChange(audit, QStringLiteral("policy set"), target, summary, actor, request.service,
                                           QStringLiteral("keyward-tray"));
        !recorded) {
        return Error{recorded.error().code,
                     QStringLiteral("Changed the policy of '%1' (%2), but the change could not be recorded in the "
                                    "audit log: %3")
                         .arg(target, summary, recorded.error().message)};
    }
    return summary;
}

} // namespace keyward::policy
