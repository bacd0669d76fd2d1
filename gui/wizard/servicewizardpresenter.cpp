#include "wizard/servicewizardpresenter.h"

#include "config/configstore.h"
#include "config/units.h"
#include "config/validation.h"
#include "core/names.h"

#include <QFileInfo>
#include <QPointer>
#include <QRegularExpression>
#include <QSslCertificate>

namespace keyward::gui {

namespace {

constexpr qsizetype kMaxSecretBytes = 64 * 1024;

// The key of the field a config_invalid message's JSON pointer names ("/services/x/auth/header"
// → "header"), or empty when it names none of the wizard's fields.
QString fieldOfPointer(const QString &message)
{
    static const QRegularExpression pointer(QStringLiteral("/services/[a-z0-9_-]+/([A-Za-z/]+)"));
    const auto match = pointer.match(message);
    if (!match.hasMatch())
        return {};
    const QString path = match.captured(1);
    if (path.startsWith(QLatin1String("baseUrl")))
        return QStringLiteral("baseUrl");
    if (path.startsWith(QLatin1String("caFile")))
        return QStringLiteral("caFile");
    if (path.startsWith(QLatin1String("auth/")))
        return path.mid(5).section(u'/', 0, 0);
    if (path.startsWith(QLatin1String("auth")))
        return QStringLiteral("auth");
    return {};
}

} // namespace

ServiceWizardPresenter::ServiceWizardPresenter(AdminContext context, QObject *parent)
    : QObject(parent),
      m_context(std::move(context)),
      m_admin(m_context.makeAdmin()),
      m_tester(m_context.kills, m_context.audit, m_context.network)
{
}

ServiceWizardPresenter::~ServiceWizardPresenter() = default;

const QList<ServiceTemplate> &ServiceWizardPresenter::templates() { return serviceTemplates(); }

const ServiceTemplate *ServiceWizardPresenter::currentTemplate() const { return findServiceTemplate(m_templateId); }

void ServiceWizardPresenter::setTemplateId(const QString &id)
{
    if (id == m_templateId)
        return;
    m_templateId = id;
    m_fields.clear();
    const ServiceTemplate *tmpl = currentTemplate();
    if (!m_nameTyped)
        m_name = tmpl && !tmpl->isCustom() ? tmpl->id : QString();
    if (tmpl && tmpl->isCustom())
        m_auth = tmpl->auth;
    m_testMessage.clear();
    m_testOk = false;
    m_errors.clear();
    if (!m_name.isEmpty())
        validateName();
    Q_EMIT templateChanged();
    Q_EMIT errorsChanged();
}

void ServiceWizardPresenter::setName(const QString &name)
{
    if (name == m_name)
        return;
    m_name = name;
    m_nameTyped = true;
    validateName();
    Q_EMIT errorsChanged();
}

QString ServiceWizardPresenter::fieldValue(const QString &id) const
{
    const auto found = m_fields.find(id);
    return found == m_fields.end() ? QString() : found->second;
}

void ServiceWizardPresenter::setFieldValue(const QString &id, const QString &value)
{
    m_fields[id] = value;
    if (const ServiceTemplate *tmpl = currentTemplate()) {
        for (const TemplateField &field : tmpl->fields) {
            if (field.id == id)
                validateField(field);
        }
    }
    Q_EMIT errorsChanged();
}

void ServiceWizardPresenter::setBaseUrl(const QString &url)
{
    m_baseUrl = url;
    validateCustom();
    Q_EMIT errorsChanged();
}

void ServiceWizardPresenter::setCustomAuth(const AuthConfig &auth)
{
    m_auth = auth;
    validateCustom();
    Q_EMIT errorsChanged();
}

void ServiceWizardPresenter::setCaFile(const QString &path)
{
    m_caFile = path.trimmed();
    validateCustom();
    Q_EMIT errorsChanged();
}

void ServiceWizardPresenter::setError(const QString &key, const QString &message)
{
    if (message.isEmpty())
        m_errors.remove(key);
    else
        m_errors.insert(key, message);
}

void ServiceWizardPresenter::clearErrors(const QStringList &keys)
{
    for (const QString &key : keys)
        m_errors.remove(key);
}

void ServiceWizardPresenter::validateName()
{
    QString problem;
    if (m_name.isEmpty())
        problem = tr("Enter a name for the service, e.g. github.");
    else if (!isValidName(m_name))
        problem = tr("Use lowercase letters, digits, - and _ only (at most 64, starting with a letter or digit).");
    else if (m_context.config.config().services.count(m_name))
        problem = tr("A service named %1 already exists: pick another name.").arg(m_name);
    setError(QStringLiteral("name"), problem);
}

void ServiceWizardPresenter::validateField(const TemplateField &field)
{
    const QString value = fieldValue(field.id).trimmed();
    QString problem;
    if (value.isEmpty())
        problem = tr("%1 is required: %2").arg(field.label, field.help);
    else if (!QRegularExpression(QRegularExpression::anchoredPattern(field.pattern)).match(value).hasMatch())
        problem = tr("This is not a valid %1 (e.g. %2).").arg(field.label, field.example);
    setError(QStringLiteral("field:") + field.id, problem);
}

void ServiceWizardPresenter::validateCustom()
{
    const ServiceTemplate *tmpl = currentTemplate();
    clearErrors({QStringLiteral("baseUrl"), QStringLiteral("auth"), QStringLiteral("header"), QStringLiteral("prefix"),
                 QStringLiteral("param"), QStringLiteral("username"), QStringLiteral("caFile")});
    if (!tmpl || !tmpl->isCustom())
        return;
    if (!m_caFile.isEmpty()) {
        const QFileInfo file(m_caFile);
        if (!file.isFile() || !file.isReadable())
            setError(QStringLiteral("caFile"), tr("There is no readable file at this path."));
        else if (QSslCertificate::fromPath(file.absoluteFilePath(), QSsl::Pem).isEmpty())
            setError(QStringLiteral("caFile"), tr("This file holds no PEM certificate (-----BEGIN CERTIFICATE-----)."));
    }
    const QString url = config_check::withoutTrailingSlash(m_baseUrl.trimmed());
    if (url.isEmpty())
        setError(QStringLiteral("baseUrl"), tr("Enter the API's base URL, e.g. https://api.example.com/v1."));
    else if (const QString problem = config_check::baseUrlProblem(url); !problem.isEmpty())
        setError(QStringLiteral("baseUrl"), tr("The base URL %1.").arg(problem));
    QString field;
    if (const QString problem = config_check::authProblem(m_auth, &field); !problem.isEmpty())
        setError(field.isEmpty() ? QStringLiteral("auth") : field, tr("This field %1.").arg(problem));
}

bool ServiceWizardPresenter::validateTemplate()
{
    setError(QStringLiteral("template"), currentTemplate() ? QString() : tr("Pick the API to add, or Custom."));
    Q_EMIT errorsChanged();
    return !m_errors.contains(QStringLiteral("template"));
}

bool ServiceWizardPresenter::validateService()
{
    const ServiceTemplate *tmpl = currentTemplate();
    if (!tmpl)
        return validateTemplate();
    QStringList keys = {QStringLiteral("name"), QStringLiteral("baseUrl"), QStringLiteral("auth"), QStringLiteral("header"),
                        QStringLiteral("prefix"), QStringLiteral("param"), QStringLiteral("username"), QStringLiteral("caFile"),
                        QStringLiteral("save")};
    for (const TemplateField &field : tmpl->fields)
        keys << QStringLiteral("field:") + field.id;
    clearErrors(keys);
    validateName();
    for (const TemplateField &field : tmpl->fields)
        validateField(field);
    validateCustom();
    bool ok = true;
    for (const QString &key : keys)
        ok = ok && !m_errors.contains(key);
    if (ok) {
        if (const auto draft = draftService(); !draft) {
            placeError(draft.error(), QStringLiteral("save"));
            ok = false;
        }
    }
    Q_EMIT errorsChanged();
    return ok;
}

std::optional<QByteArray> ServiceWizardPresenter::secretBytes(const QString &secret)
{
    QString problem;
    QByteArray bytes = secret.toUtf8();
    if (bytes.isEmpty())
        problem = tr("Paste the API key (it is stored in the keychain, never in a file).");
    else if (bytes.contains('\r') || bytes.contains('\n') || bytes.contains('\0'))
        problem = tr("The key contains a line break: paste only the key itself.");
    else if (bytes.size() > kMaxSecretBytes)
        problem = tr("The key is longer than 64 KiB: check what was pasted.");
    setError(QStringLiteral("secret"), problem);
    if (!problem.isEmpty()) {
        admin::wipe(bytes);
        return std::nullopt;
    }
    return bytes;
}

bool ServiceWizardPresenter::validateSecret(const QString &secret)
{
    auto bytes = secretBytes(secret);
    Q_EMIT errorsChanged();
    if (!bytes)
        return false;
    admin::wipe(*bytes);
    return true;
}

Result<ServiceConfig> ServiceWizardPresenter::draftService() const
{
    const ServiceTemplate *tmpl = currentTemplate();
    if (!tmpl)
        return Error{QStringLiteral("template"), tr("Pick the API to add, or Custom.")};
    TemplateInput input;
    input.serviceName = m_name;
    for (const TemplateField &field : tmpl->fields)
        input.fields[field.id] = fieldValue(field.id);
    input.baseUrl = m_baseUrl;
    auto service = instantiateTemplate(*tmpl, input);
    if (!service)
        return service;
    if (tmpl->isCustom()) {
        service.value().auth = m_auth;
        if (!m_caFile.isEmpty())
            service.value().caFile = QFileInfo(m_caFile).absoluteFilePath();
    }
    if (auto valid = validateNewService(m_name, *service); !valid)
        return valid.error();
    return service;
}

QString ServiceWizardPresenter::policySummary() const
{
    const auto draft = draftService();
    const ServiceTemplate *tmpl = currentTemplate();
    if (!draft || !tmpl)
        return {};
    const Policy &policy = draft->policy;
    QStringList lines;
    if (policy.rules.isEmpty()) {
        lines << tr("Rules: none, so agents may only read (GET and HEAD on every path).");
    } else {
        lines << tr("Rules (what matches no rule is denied):");
        for (const Rule &rule : policy.rules)
            lines << QStringLiteral("  • %1 %2 %3").arg(admin::ruleActionName(rule.action), rule.method, rule.path);
    }
    lines << (policy.rate ? tr("Rate: %1 calls per %2 (burst %3).")
                                .arg(policy.rate->n)
                                .arg(ratePerName(policy.rate->per))
                                .arg(policy.rate->burst)
                          : tr("Rate: no limit."));
    lines << tr("Timeout: %1; responses up to %2.").arg(formatDurationMs(policy.timeoutMs), formatByteSize(policy.maxResponseBytes));
    lines << (policy.requireReason ? tr("Agents must give a reason with each call.") : tr("Agents need not give a reason."));
    if (!tmpl->writeReason.isEmpty())
        lines << tr("Why writes are allowed: %1").arg(tmpl->writeReason);
    lines << tr("You can change all of this later in the Services window.");
    return lines.join(u'\n');
}

void ServiceWizardPresenter::placeError(const Error &error, const QString &fallbackKey)
{
    QString key = fallbackKey;
    if (error.code == QLatin1String(admin::admin_errors::kExists) || error.code == QLatin1String(admin::admin_errors::kInvalidName))
        key = QStringLiteral("name");
    else if (const QString field = fieldOfPointer(error.message); !field.isEmpty())
        key = field;
    QString message = error.message;
    if (error.code == QLatin1String(admin::admin_errors::kExists))
        message = tr("A service named %1 already exists: pick another name.").arg(m_name);
    setError(key, message);
    // The last page shows "save": say there which field to go back to.
    if (key != fallbackKey)
        setError(fallbackKey, tr("Not saved: go Back and fix the highlighted field. %1").arg(message));
}

void ServiceWizardPresenter::setBusy(bool busy)
{
    if (busy == m_busy)
        return;
    m_busy = busy;
    Q_EMIT busyChanged();
}

void ServiceWizardPresenter::test(const QString &secret)
{
    if (m_busy)
        return;
    setError(QStringLiteral("test"), QString());
    if (!validateService()) {
        m_testOk = false;
        m_testMessage = tr("Fix the service's settings first.");
        setError(QStringLiteral("test"), m_testMessage);
        Q_EMIT errorsChanged();
        Q_EMIT testFinished(false, m_testMessage);
        return;
    }
    auto bytes = secretBytes(secret);
    Q_EMIT errorsChanged();
    if (!bytes) {
        m_testOk = false;
        m_testMessage = error(QStringLiteral("secret"));
        Q_EMIT testFinished(false, m_testMessage);
        return;
    }
    const ServiceConfig service = draftService().value();
    setBusy(true);
    m_tester.run(m_name, service, std::move(*bytes), Caller{m_admin.actor().agent, m_admin.actor().client},
                 [this](Result<admin::ServiceTestOutcome> outcome) {
        setBusy(false);
        if (!outcome) {
            m_testOk = false;
            m_testMessage = tr("The test call failed (%1): %2").arg(outcome.error().code, outcome.error().message);
        } else if (!outcome->ok()) {
            m_testOk = false;
            m_testMessage = tr("%1 %2 answered HTTP %3: check the key and its permissions.")
                                .arg(outcome->method, outcome->path)
                                .arg(outcome->status);
        } else {
            m_testOk = true;
            m_testMessage = tr("%1 %2 answered HTTP %3: the key works.").arg(outcome->method, outcome->path).arg(outcome->status);
        }
        setError(QStringLiteral("test"), m_testOk ? QString() : m_testMessage);
        Q_EMIT errorsChanged();
        Q_EMIT testFinished(m_testOk, m_testMessage);
    });
}

void ServiceWizardPresenter::save(const QString &secret)
{
    if (m_busy || m_saved)
        return;
    setError(QStringLiteral("save"), QString());
    if (!validateService()) {
        Q_EMIT saveFinished(false);
        return;
    }
    auto bytes = secretBytes(secret);
    if (!bytes) {
        Q_EMIT errorsChanged();
        Q_EMIT saveFinished(false);
        return;
    }
    const ServiceConfig service = draftService().value();
    setBusy(true);
    // The keychain may answer after the wizard was closed: then nobody is told.
    m_admin.addService(m_name, service, std::move(*bytes), m_templateId, [self = QPointer(this)](Result<void> added) {
        if (self)
            self->saveDone(added);
    });
}

void ServiceWizardPresenter::saveDone(const Result<void> &added)
{
    setBusy(false);
    if (!added)
        placeError(added.error(), QStringLiteral("save"));
    m_saved = added.ok();
    Q_EMIT errorsChanged();
    Q_EMIT saveFinished(m_saved);
}

} // namespace keyward::gui
