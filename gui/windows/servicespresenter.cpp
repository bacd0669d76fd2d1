#include "windows/servicespresenter.h"

#include "models/rulesmodel.h"
#include "models/servicesmodel.h"

#include "config/configstore.h"
#include "config/validation.h"
#include "core/names.h"
#include "policy/effectivepolicy.h"
#include "state/killstate.h"

#include <QPointer>
#include <QRegularExpression>

#include <algorithm>

namespace keyward::gui {

namespace {

constexpr qsizetype kMaxSecretBytes = 64 * 1024;

PolicyForm formOf(const Policy &policy)
{
    PolicyForm form;
    form.rateEnabled = policy.rate.has_value();
    if (policy.rate) {
        form.rateN = policy.rate->n;
        form.ratePer = policy.rate->per;
        form.rateBurst = policy.rate->burst;
    }
    form.schedule = policy.schedule.join(QStringLiteral("; "));
    form.allAgents = !policy.agents.has_value();
    form.agents = policy.agents ? policy.agents->join(QStringLiteral(", ")) : QString();
    form.requireReason = policy.requireReason;
    form.timeoutMs = policy.timeoutMs;
    return form;
}

// The editor key of the policy field a config_invalid message's JSON pointer names
// (".../policy/rules/2/path" → "rules"), or "policy".
QString keyOfPointer(const QString &message)
{
    static const QRegularExpression pointer(QStringLiteral("/(?:policy|agentPolicies/[a-z0-9_-]+)/([A-Za-z]+)"));
    const QString field = pointer.match(message).captured(1);
    if (field == QLatin1String("rules") || field == QLatin1String("rate") || field == QLatin1String("schedule")
        || field == QLatin1String("agents"))
        return field;
    if (field == QLatin1String("timeoutMs"))
        return QStringLiteral("timeout");
    return QStringLiteral("policy");
}

} // namespace

ServicesPresenter::ServicesPresenter(AdminContext context, QObject *parent)
    : QObject(parent),
      m_context(std::move(context)),
      m_admin(m_context.makeAdmin()),
      m_services(std::make_unique<ServicesModel>(m_context.config, m_context.kills)),
      m_rules(std::make_unique<RulesModel>())
{
    connect(&m_context.config, &ConfigStore::changed, this, &ServicesPresenter::followConfig);
    connect(m_rules.get(), &RulesModel::edited, this, [this] {
        if (!m_loading)
            setDirty(true);
    });
}

ServicesPresenter::~ServicesPresenter() = default;

const ServiceConfig *ServicesPresenter::selectedService() const
{
    const auto &services = m_context.config.config().services;
    const auto found = services.find(m_selected);
    return found == services.end() ? nullptr : &found->second;
}

bool ServicesPresenter::selectedEnabled() const
{
    const ServiceConfig *service = selectedService();
    return service && service->enabled;
}

void ServicesPresenter::select(const QString &service)
{
    if (service == m_selected)
        return;
    m_selected = m_context.config.config().services.count(service) ? service : QString();
    m_agent.clear();
    load();
    Q_EMIT selectionChanged();
}

QStringList ServicesPresenter::agentChoices() const
{
    QStringList agents;
    for (const auto &[name, unused] : m_context.config.config().agents)
        agents << name;
    if (const ServiceConfig *service = selectedService()) {
        for (const auto &[name, unused] : service->agentPoliciesJson) {
            if (!agents.contains(name))
                agents << name;
        }
    }
    std::sort(agents.begin(), agents.end());
    return agents;
}

void ServicesPresenter::selectAgent(const QString &agent)
{
    if (agent == m_agent)
        return;
    m_agent = agent;
    load();
}

QStringList ServicesPresenter::overriddenFields() const
{
    const ServiceConfig *service = selectedService();
    return service && !m_agent.isEmpty() ? policy::overriddenFields(*service, m_agent) : QStringList();
}

Policy ServicesPresenter::basePolicy() const
{
    const ServiceConfig *service = selectedService();
    if (!service)
        return {};
    return m_agent.isEmpty() ? service->policy : policy::effectivePolicy(*service, m_agent);
}

void ServicesPresenter::load()
{
    const Policy policy = basePolicy();
    m_loading = true;
    m_rules->setRules(policy.rules);
    m_loading = false;
    m_form = formOf(policy);
    m_errors.clear();
    setDirty(false);
    Q_EMIT errorsChanged();
    Q_EMIT policyLoaded();
}

void ServicesPresenter::setForm(const PolicyForm &form)
{
    if (form == m_form)
        return;
    m_form = form;
    setDirty(true);
}

void ServicesPresenter::setDirty(bool dirty)
{
    if (dirty == m_dirty)
        return;
    m_dirty = dirty;
    Q_EMIT dirtyChanged();
}

void ServicesPresenter::setBusy(bool busy)
{
    if (busy == m_busy)
        return;
    m_busy = busy;
    Q_EMIT busyChanged();
}

void ServicesPresenter::followConfig()
{
    if (!m_selected.isEmpty() && !selectedService()) {
        m_selected.clear();
        m_agent.clear();
        load();
        Q_EMIT selectionChanged();
        return;
    }
    if (!m_dirty)
        load();
}

void ServicesPresenter::revert() { load(); }

bool ServicesPresenter::apply()
{
    m_errors.clear();
    const ServiceConfig *service = selectedService();
    if (!service) {
        m_errors.insert(QStringLiteral("policy"), tr("Select a service first."));
        Q_EMIT errorsChanged();
        return false;
    }
    Policy policy = basePolicy();
    policy.rules = m_rules->rules();
    for (qsizetype i = 0; i < policy.rules.size(); ++i) {
        const Rule &rule = policy.rules.at(i);
        QString problem = config_check::ruleMethodProblem(rule.method);
        if (!problem.isEmpty()) {
            m_errors.insert(QStringLiteral("rules"), tr("Rule %1: the method %2.").arg(i + 1).arg(problem));
            break;
        }
        problem = config_check::rulePathProblem(rule.path);
        if (!problem.isEmpty()) {
            m_errors.insert(QStringLiteral("rules"), tr("Rule %1: the path %2.").arg(i + 1).arg(problem));
            break;
        }
    }
    if (m_form.rateEnabled) {
        if (m_form.rateN < 1 || m_form.rateN > config_check::kMaxRate || m_form.rateBurst < 1
            || m_form.rateBurst > config_check::kMaxRate)
            m_errors.insert(QStringLiteral("rate"), tr("Calls and burst must be between 1 and %1.").arg(config_check::kMaxRate));
        policy.rate = RateLimit{m_form.ratePer, m_form.rateN, m_form.rateBurst};
    } else {
        policy.rate.reset();
    }
    policy.schedule.clear();
    for (const QString &part : m_form.schedule.split(u';', Qt::SkipEmptyParts)) {
        const QString entry = part.simplified();
        if (entry.isEmpty())
            continue;
        if (const QString problem = config_check::scheduleProblem(entry); !problem.isEmpty()) {
            m_errors.insert(QStringLiteral("schedule"), tr("\"%1\" %2 (e.g. Mon-Fri 09:00-18:00).").arg(entry, problem));
            break;
        }
        policy.schedule << entry;
    }
    if (m_form.allAgents) {
        policy.agents.reset();
    } else {
        QStringList names;
        for (const QString &part : m_form.agents.split(u',', Qt::SkipEmptyParts)) {
            const QString name = part.trimmed();
            if (name.isEmpty())
                continue;
            if (!isValidName(name)) {
                m_errors.insert(QStringLiteral("agents"), tr("\"%1\" is not an agent name: lowercase letters, digits, - and _.").arg(name.left(64)));
                break;
            }
            if (!names.contains(name))
                names << name;
        }
        if (names.isEmpty() && !m_errors.contains(QStringLiteral("agents")))
            m_errors.insert(QStringLiteral("agents"), tr("Name at least one agent, or allow all agents."));
        policy.agents = names;
    }
    if (m_form.timeoutMs < config_check::kMinTimeoutMs || m_form.timeoutMs > config_check::kMaxTimeoutMs)
        m_errors.insert(QStringLiteral("timeout"), tr("The timeout must be between 0.1 s and 10 minutes."));
    policy.requireReason = m_form.requireReason;
    policy.timeoutMs = m_form.timeoutMs;
    if (!m_errors.isEmpty()) {
        Q_EMIT errorsChanged();
        return false;
    }

    const auto outcome = m_admin.replacePolicy(m_selected, m_agent, policy);
    if (!outcome) {
        m_errors.insert(outcome.error().code == QLatin1String("config_invalid") ? keyOfPointer(outcome.error().message)
                                                                                 : QStringLiteral("policy"),
                        outcome.error().message);
        Q_EMIT errorsChanged();
        return false;
    }
    load(); // the policy as saved (the owner's config already reloaded it)
    return true;
}

bool ServicesPresenter::setEnabled(const QString &service, bool enabled)
{
    const auto changed = m_admin.setEnabled(service, enabled);
    if (!changed) {
        Q_EMIT failed(changed.error().message);
        return false;
    }
    return true;
}

void ServicesPresenter::remove(const QString &service)
{
    if (m_busy)
        return;
    setBusy(true);
    // The keychain may answer after the window was closed: then nobody is told.
    m_admin.removeService(service, [self = QPointer(this), service](Result<void> removed) {
        if (!self)
            return;
        self->setBusy(false);
        Q_EMIT self->removeFinished(removed.ok(), removed ? tr("Deleted %1 and its key.").arg(service) : removed.error().message);
    });
}

void ServicesPresenter::rotate(const QString &service, const QString &secret)
{
    if (m_busy)
        return;
    QByteArray bytes = secret.toUtf8();
    QString problem;
    if (bytes.isEmpty())
        problem = tr("Paste the new key.");
    else if (bytes.contains('\r') || bytes.contains('\n') || bytes.contains('\0'))
        problem = tr("The key contains a line break: paste only the key itself.");
    else if (bytes.size() > kMaxSecretBytes)
        problem = tr("The key is longer than 64 KiB: check what was pasted.");
    if (!problem.isEmpty()) {
        admin::wipe(bytes);
        Q_EMIT rotateFinished(false, problem);
        return;
    }
    setBusy(true);
    m_admin.rotateSecret(service, std::move(bytes), [self = QPointer(this), service](Result<void> rotated) {
        if (!self)
            return;
        self->setBusy(false);
        Q_EMIT self->rotateFinished(rotated.ok(), rotated ? tr("Replaced the key of %1.").arg(service) : rotated.error().message);
    });
}

} // namespace keyward::gui
