#pragma once

#include "admin/serviceadmin.h"
#include "admin/servicetest.h"
#include "config/config.h"
#include "templates/servicetemplates.h"
#include "windows/admincontext.h"

#include <QMap>
#include <QObject>
#include <QString>

#include <map>

namespace keyward::gui {

// The logic of the service wizard, without widgets (STYLE.md "Thin GUI"): the template chosen,
// the name and values the user typed, their checks (each error kept under the key of the field at
// fault, for the widget to show next to it), the test call and the save.
//
// Error keys: "template", "name", "field:<id>" (a template field), "baseUrl", "auth", "header",
// "prefix", "param", "username", "caFile" (custom services), "secret", "test", "save" (a failure that is no
// field's, e.g. the keychain's).
//
// test() makes the call with the secret held in memory only (admin::DraftServiceTest: the same gate,
// injector, upstream client and redaction as `keyward service test`, nothing stored); save() adds the
// service through admin::ServiceAdmin (config, secret store, audit row with agent "tray"). Both are
// asynchronous and never block the event loop: testFinished() and saveFinished() tell the end.
class ServiceWizardPresenter : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString templateId READ templateId WRITE setTemplateId NOTIFY templateChanged)
    Q_PROPERTY(QString name READ name WRITE setName NOTIFY errorsChanged)
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
public:
    explicit ServiceWizardPresenter(AdminContext context, QObject *parent = nullptr);
    ~ServiceWizardPresenter() override;

    // The templates offered, "custom" last.
    static const QList<ServiceTemplate> &templates();

    QString templateId() const { return m_templateId; }
    // Picks a template: clears the field values and, while the user has not typed a name of their
    // own, names the service after the template's id.
    void setTemplateId(const QString &id);
    const ServiceTemplate *currentTemplate() const;

    QString name() const { return m_name; }
    void setName(const QString &name);
    QString fieldValue(const QString &id) const;
    void setFieldValue(const QString &id, const QString &value);
    // Custom services only: the base URL and the auth (type and its fields).
    QString baseUrl() const { return m_baseUrl; }
    void setBaseUrl(const QString &url);
    AuthConfig customAuth() const { return m_auth; }
    void setCustomAuth(const AuthConfig &auth);
    // Custom services only, optional: a PEM file of extra CA certificates to trust (a private CA).
    QString caFile() const { return m_caFile; }
    void setCaFile(const QString &path);

    // The error shown next to `key`, empty when none.
    QString error(const QString &key) const { return m_errors.value(key); }
    QMap<QString, QString> errors() const { return m_errors; }

    // The checks of each page; each updates the errors of its fields and says whether it passed.
    bool validateTemplate();
    bool validateService();
    bool validateSecret(const QString &secret);

    // The service as it would be saved (secret aside), or the first problem.
    Result<ServiceConfig> draftService() const;
    // The default policy of the draft in words (rules, rate, limits, why writes are allowed).
    QString policySummary() const;

    bool busy() const { return m_busy; }
    // Starts the test call with `secret` (not stored anywhere). Emits testFinished() when it ended.
    void test(const QString &secret);
    // The last test call's result in words, and whether it succeeded (HTTP status below 400).
    QString testMessage() const { return m_testMessage; }
    bool testSucceeded() const { return m_testOk; }

    // Adds the service with `secret`. Emits saveFinished() when it ended; on failure the errors say
    // which field is at fault.
    void save(const QString &secret);
    bool saved() const { return m_saved; }

Q_SIGNALS:
    void templateChanged();
    void errorsChanged();
    void busyChanged();
    void testFinished(bool ok, const QString &message);
    void saveFinished(bool ok);

private:
    void setError(const QString &key, const QString &message);
    void clearErrors(const QStringList &keys);
    void validateName();
    void validateField(const TemplateField &field);
    void validateCustom();
    // Puts a save or draft error under its field (a JSON pointer in the message names it).
    void placeError(const Error &error, const QString &fallbackKey);
    void setBusy(bool busy);
    void saveDone(const Result<void> &added);
    // The secret's bytes, or an error under "secret".
    std::optional<QByteArray> secretBytes(const QString &secret);

    AdminContext m_context;
    admin::ServiceAdmin m_admin;
    admin::DraftServiceTest m_tester;
    QString m_templateId;
    QString m_name;
    bool m_nameTyped = false;
    std::map<QString, QString> m_fields;
    QString m_baseUrl;
    AuthConfig m_auth;
    QString m_caFile;
    QMap<QString, QString> m_errors;
    bool m_busy = false;
    bool m_saved = false;
    QString m_testMessage;
    bool m_testOk = false;
};

} // namespace keyward::gui
