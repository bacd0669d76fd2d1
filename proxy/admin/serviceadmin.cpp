#include "admin/serviceadmin.h"

#include "audit/auditlog.h"
#include "audit/changerecorder.h"
#include "audit/retention.h"
#include "config/configjson.h"
#include "config/units.h"
#include "core/logging.h"
#include "core/names.h"
#include "policy/effectivepolicy.h"

#include <nlohmann/json.hpp>

#include <QFileInfo>

#include <cstring>

namespace keyward::admin {

namespace {

using json = nlohmann::json;

const auto &log()
{
    static const auto logger = keyward::logger("core.admin");
    return logger;
}

Error notFound(const QString &name)
{
    return Error{QString::fromLatin1(admin_errors::kNotFound), QStringLiteral("there is no service named '%1'").arg(name)};
}

// The policy object of config.json (serviceToJson's mapping, so names and shapes cannot drift).
json policyJson(const Policy &policy)
{
    ServiceConfig holder;
    holder.policy = policy;
    return json::parse(serviceToJson(holder)["policy"].dump());
}

QString ruleText(const Rule &rule) { return QStringLiteral("%1 %2 %3").arg(ruleActionName(rule.action), rule.method, rule.path); }

QString rateText(const RateLimit &rate)
{
    QString text = QStringLiteral("%1/%2").arg(rate.n).arg(ratePerName(rate.per));
    if (rate.burst != rate.n)
        text += QStringLiteral(", burst %1").arg(rate.burst);
    return text;
}

// What an asynchronous change keeps until the store answered: the lock, the config read under it
// and the secret (wiped once handed to the store).
struct Pending {
    std::unique_ptr<HomeLock> lock;
    Config config;
    QByteArray secret;
    ~Pending() { wipe(secret); }
};

} // namespace

QString serviceSecretKey(const QString &name) { return QStringLiteral("service/") + name; }

QString secretStoreLabel(const Config &config)
{
    return config.settings.secretStore == SecretStoreKind::File ? QStringLiteral("the encrypted file secrets.kwv")
                                                                : QStringLiteral("the keychain");
}

QString authTypeName(AuthType type)
{
    switch (type) {
    case AuthType::Bearer:
        return QStringLiteral("bearer");
    case AuthType::Basic:
        return QStringLiteral("basic");
    case AuthType::Header:
        return QStringLiteral("header");
    case AuthType::Query:
        return QStringLiteral("query");
    }
    return QStringLiteral("bearer");
}

QString ruleActionName(RuleAction action)
{
    return action == RuleAction::Allow ? QStringLiteral("allow")
        : action == RuleAction::Deny   ? QStringLiteral("deny")
                                       : QStringLiteral("ask");
}

QString describeRules(const Policy &policy)
{
    if (policy.rules.isEmpty())
        return QStringLiteral("none (read-only: GET and HEAD on every path)");
    QStringList parts;
    for (const Rule &rule : policy.rules)
        parts << ruleText(rule);
    return parts.join(QStringLiteral("; "));
}

QString describeAddedService(const ServiceConfig &service, const Config &config, const QString &templateId)
{
    QString auth = authTypeName(service.auth.type);
    if (service.auth.type == AuthType::Header)
        auth += QStringLiteral(" ") + service.auth.header;
    else if (service.auth.type == AuthType::Query)
        auth += QStringLiteral(" parameter ") + service.auth.param;
    const QString from = templateId.isEmpty() ? QString() : QStringLiteral(" from template %1").arg(templateId);
    return QStringLiteral("added%1 with base URL %2, auth %3, rules: %4; secret stored in %5")
        .arg(from, service.baseUrl, auth, describeRules(service.policy), secretStoreLabel(config));
}

QStringList changedPolicyFields(const Policy &before, const Policy &after, QStringList &summary)
{
    QStringList fields;
    if (before.rules != after.rules) {
        fields << QStringLiteral("rules");
        const qsizetype phrases = summary.size();
        for (const Rule &rule : before.rules) {
            if (!after.rules.contains(rule))
                summary << QStringLiteral("removed rule ") + ruleText(rule);
        }
        for (const Rule &rule : after.rules) {
            if (!before.rules.contains(rule))
                summary << QStringLiteral("added ") + ruleText(rule);
        }
        if (summary.size() == phrases)
            summary << QStringLiteral("rules reordered");
    }
    if (before.rate != after.rate) {
        fields << QStringLiteral("rate");
        summary << (after.rate ? QString(QStringLiteral("rate ") + rateText(*after.rate)) : QStringLiteral("no rate limit"));
    }
    if (before.schedule != after.schedule) {
        fields << QStringLiteral("schedule");
        summary << (after.schedule.isEmpty() ? QStringLiteral("no schedule")
                                             : QString(QStringLiteral("schedule ") + after.schedule.join(QStringLiteral(", "))));
    }
    if (before.requireReason != after.requireReason) {
        fields << QStringLiteral("requireReason");
        summary << (after.requireReason ? QStringLiteral("reason required") : QStringLiteral("reason not required"));
    }
    if (before.agents != after.agents) {
        fields << QStringLiteral("agents");
        summary << (after.agents ? QString(QStringLiteral("agents ") + after.agents->join(QStringLiteral(", ")))
                                 : QStringLiteral("all agents"));
    }
    if (before.timeoutMs != after.timeoutMs) {
        fields << QStringLiteral("timeoutMs");
        summary << QStringLiteral("timeout ") + formatDurationMs(after.timeoutMs);
    }
    if (before.maxRequestBytes != after.maxRequestBytes) {
        fields << QStringLiteral("maxRequestBytes");
        summary << QStringLiteral("max request ") + formatByteSize(after.maxRequestBytes);
    }
    if (before.maxResponseBytes != after.maxResponseBytes) {
        fields << QStringLiteral("maxResponseBytes");
        summary << QStringLiteral("max response ") + formatByteSize(after.maxResponseBytes);
    }
    if (before.allowHeaders != after.allowHeaders) {
        fields << QStringLiteral("allowHeaders");
        summary << (after.allowHeaders.isEmpty()
                        ? QStringLiteral("default headers only")
                        : QString(QStringLiteral("allowed headers ") + after.allowHeaders.join(QStringLiteral(", "))));
    }
    return fields;
}

void wipe(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        std::memset(bytes.data(), 0, size_t(bytes.size()));
    bytes.clear();
}

ServiceAdmin::ServiceAdmin(const KeywardHome &home, AdminActor actor, StoreProvider stores, Hooks hooks)
    : m_home(home), m_actor(std::move(actor)), m_stores(std::move(stores)), m_hooks(std::move(hooks))
{
}

Result<ServiceAdmin::Locked> ServiceAdmin::lockAndLoad() const
{
    auto lock = HomeLock::acquire(m_home);
    if (!lock)
        return lock.error();
    auto config = loadConfigFile(m_home.configFile());
    if (!config)
        return config.error();
    const QString auditPath = m_home.auditDatabase();
    if (QFileInfo(auditPath).isFile()) {
        AuditLog audit(auditPath);
        const int days = config->settings.retentionDays;
        if (const auto applied = RetentionPolicy().applyIfDue(audit, days); !applied && m_hooks.warn) {
            m_hooks.warn(QStringLiteral("the audit retention of %1 days was not applied: %2").arg(days).arg(applied.error().message));
        }
    }
    return Locked{std::move(lock).value(), std::move(config).value()};
}

Result<void> ServiceAdmin::record(const QString &command, const QString &target, const QString &whatChanged,
                                  const QString &done, const QString &service)
{
    return recordFor(Context{m_home, m_actor, m_hooks}, command, target, whatChanged, done, service);
}

Result<void> ServiceAdmin::recordFor(const Context &context, const QString &command, const QString &target,
                                     const QString &whatChanged, const QString &done, const QString &service)
{
    AuditLog audit(context.home.auditDatabase());
    const auto recorded = recordChange(audit, command, target, whatChanged, context.actor.agent, service, context.actor.client);
    if (!recorded) {
        return Error{recorded.error().code, QStringLiteral("%1, but the change could not be recorded in the audit log: %2")
                                                .arg(done, recorded.error().message)};
    }
    log()->info("{} {} by {}", command.toStdString(), target.toStdString(), context.actor.agent.toStdString());
    if (context.hooks.changed)
        context.hooks.changed();
    return {};
}

void ServiceAdmin::addService(const QString &name, const ServiceConfig &service, QByteArray secret,
                              const QString &templateId, Done done)
{
    auto pending = std::make_shared<Pending>();
    pending->secret = std::move(secret);
    if (!isValidName(name)) {
        done(Error{QString::fromLatin1(admin_errors::kInvalidName),
                   QStringLiteral("'%1' is not a valid service name: use lowercase letters, digits, - and _ (at most 64, "
                                  "starting with a letter or digit)")
                       .arg(name.left(64))});
        return;
    }
    auto locked = lockAndLoad();
    if (!locked) {
        done(locked.error());
        return;
    }
    pending->lock = std::move(locked.value().lock);
    pending->config = std::move(locked.value().config);
    if (pending->config.services.count(name)) {
        done(Error{QString::fromLatin1(admin_errors::kExists), QStringLiteral("a service named '%1' already exists").arg(name)});
        return;
    }
    pending->config.services[name] = service;
    if (auto valid = validateConfig(pending->config); !valid) {
        done(valid.error());
        return;
    }
    auto store = m_stores(pending->config);
    if (!store) {
        done(store.error());
        return;
    }
    SecretStore *secrets = store.value();
    secrets->write(serviceSecretKey(name), pending->secret,
                   [context = Context{m_home, m_actor, m_hooks}, pending, secrets, name, service, templateId, done](Result<void> written) {
        wipe(pending->secret);
        if (!written) {
            done(written);
            return;
        }
        if (auto saved = saveConfigFile(context.home.configFile(), pending->config); !saved) {
            // The config does not name the service: take its secret back out of the store.
            secrets->remove(serviceSecretKey(name), [pending, done, error = saved.error()](Result<void>) { done(error); });
            return;
        }
        done(recordFor(context, QStringLiteral("service add"), name, describeAddedService(service, pending->config, templateId),
                    QStringLiteral("Added service '%1' and stored its secret").arg(name), name));
    });
}

void ServiceAdmin::removeService(const QString &name, Done done)
{
    auto locked = lockAndLoad();
    if (!locked) {
        done(locked.error());
        return;
    }
    auto pending = std::make_shared<Pending>();
    pending->lock = std::move(locked.value().lock);
    pending->config = std::move(locked.value().config);
    if (!pending->config.services.count(name)) {
        done(notFound(name));
        return;
    }
    auto store = m_stores(pending->config);
    if (!store) {
        done(store.error());
        return;
    }
    store.value()->remove(serviceSecretKey(name), [context = Context{m_home, m_actor, m_hooks}, pending, name, done](Result<void> removed) {
        if (!removed && removed.error().code != QLatin1String(secret_errors::kNotFound)) {
            done(removed);
            return;
        }
        pending->config.services.erase(name);
        if (auto saved = saveConfigFile(context.home.configFile(), pending->config); !saved) {
            done(saved);
            return;
        }
        done(recordFor(context, QStringLiteral("service remove"), name, QStringLiteral("removed with its secret"),
                    QStringLiteral("Removed service '%1' and its secret").arg(name), name));
    });
}

void ServiceAdmin::rotateSecret(const QString &name, QByteArray secret, Done done)
{
    auto pending = std::make_shared<Pending>();
    pending->secret = std::move(secret);
    auto locked = lockAndLoad();
    if (!locked) {
        done(locked.error());
        return;
    }
    pending->lock = std::move(locked.value().lock);
    pending->config = std::move(locked.value().config);
    if (!pending->config.services.count(name)) {
        done(notFound(name));
        return;
    }
    auto store = m_stores(pending->config);
    if (!store) {
        done(store.error());
        return;
    }
    store.value()->write(serviceSecretKey(name), pending->secret,
                         [context = Context{m_home, m_actor, m_hooks}, pending, name, done](Result<void> written) {
        wipe(pending->secret);
        if (!written) {
            done(written);
            return;
        }
        done(recordFor(context, QStringLiteral("service rotate"), name, QStringLiteral("secret replaced"),
                    QStringLiteral("Replaced the secret of '%1'").arg(name), name));
    });
}

Result<bool> ServiceAdmin::setEnabled(const QString &name, bool enabled)
{
    auto locked = lockAndLoad();
    if (!locked)
        return locked.error();
    Config &config = locked.value().config;
    const auto found = config.services.find(name);
    if (found == config.services.end())
        return notFound(name);
    if (found->second.enabled == enabled)
        return false;
    const Config before = config;
    found->second.enabled = enabled;
    if (m_hooks.beforeSave) {
        if (auto go = m_hooks.beforeSave(enabled ? QStringLiteral("service enable") : QStringLiteral("service disable"),
                                         before, config, locked.value().lock);
            !go)
            return go.error();
    }
    if (auto saved = saveConfigFile(m_home.configFile(), config); !saved)
        return saved.error();
    const QString state = enabled ? QStringLiteral("enabled") : QStringLiteral("disabled");
    if (auto recorded = record(enabled ? QStringLiteral("service enable") : QStringLiteral("service disable"), name, state,
                               QStringLiteral("Service '%1' is now %2").arg(name, state), name);
        !recorded)
        return recorded.error();
    return true;
}

Result<ServiceAdmin::PolicyOutcome> ServiceAdmin::changePolicy(const QString &name, const QString &agent,
                                                               const PolicyEdit &edit)
{
    if (!agent.isEmpty() && !isValidName(agent)) {
        return Error{QString::fromLatin1(admin_errors::kInvalidName),
                     QStringLiteral("'%1' is not a valid agent name").arg(agent.left(64))};
    }
    auto locked = lockAndLoad();
    if (!locked)
        return locked.error();
    Config &config = locked.value().config;
    const auto found = config.services.find(name);
    if (found == config.services.end())
        return notFound(name);
    ServiceConfig &service = found->second;
    const Config before = config;

    // An agent's lists start from what the agent has now, so the change applies to that.
    Policy policy = agent.isEmpty() ? service.policy : policy::effectivePolicy(service, agent);
    if (policy::isInvalidOverride(policy)) {
        return Error{QStringLiteral("config_invalid"),
                     QStringLiteral("the override of agent '%1' is invalid; fix it in config.json first").arg(agent)};
    }
    PolicyOutcome outcome;
    auto fields = edit(policy, service, outcome.summary);
    if (!fields)
        return fields.error();
    outcome.fields = fields.value();
    if (outcome.fields.isEmpty()) {
        outcome.service = service;
        return outcome;
    }
    if (agent.isEmpty()) {
        service.policy = policy;
    } else {
        const auto existing = service.agentPoliciesJson.find(agent);
        json overrides = existing == service.agentPoliciesJson.end() ? json::object()
                                                                      : json::parse(existing->second.toStdString(), nullptr, false);
        if (!overrides.is_object())
            overrides = json::object();
        const json values = policyJson(policy);
        for (const QString &field : outcome.fields)
            overrides[field.toStdString()] = values[field.toStdString()];
        service.agentPoliciesJson[agent] = QString::fromStdString(overrides.dump());
    }
    if (auto valid = validateConfig(config); !valid)
        return valid.error();
    if (m_hooks.beforeSave) {
        if (auto go = m_hooks.beforeSave(QStringLiteral("policy set"), before, config, locked.value().lock); !go)
            return go.error();
    }
    if (auto saved = saveConfigFile(m_home.configFile(), config); !saved)
        return saved.error();
    outcome.service = service;
    const QString target = agent.isEmpty() ? name : QString(name + u'/' + agent);
    const QString what = outcome.summary.join(QStringLiteral("; "));
    if (auto recorded = record(QStringLiteral("policy set"), target, what,
                               QStringLiteral("Changed the policy of '%1' (%2)").arg(target, what), name);
        !recorded)
        return recorded.error();
    return outcome;
}

Result<ServiceAdmin::PolicyOutcome> ServiceAdmin::replacePolicy(const QString &name, const QString &agent,
                                                                const Policy &policy)
{
    return changePolicy(name, agent, [&policy](Policy &current, const ServiceConfig &, QStringList &summary) -> Result<QStringList> {
        QStringList fields = changedPolicyFields(current, policy, summary);
        current = policy;
        return fields;
    });
}

} // namespace keyward::admin
