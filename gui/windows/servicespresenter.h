#pragma once

#include "admin/serviceadmin.h"
#include "config/config.h"
#include "windows/admincontext.h"

#include <QMap>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

namespace keyward::gui {

class RulesModel;
class ServicesModel;

// The policy fields of the editor besides the rules (those are in rulesModel()).
struct PolicyForm {
    bool rateEnabled = false;
    int rateN = 60;
    RatePer ratePer = RatePer::Minute;
    int rateBurst = 60;
    QString schedule;       // entries separated by ';', e.g. "Mon-Fri 09:00-18:00; Sat 10:00-12:00"
    bool allAgents = true;  // false: only the agents of `agents`
    QString agents;         // comma-separated agent names
    bool requireReason = false;
    int timeoutMs = Policy::kDefaultTimeoutMs;

    bool operator==(const PolicyForm &) const = default;
};

// The logic of the services window, without widgets (STYLE.md "Thin GUI"): the services table
// (following the owner's config and kill switches live), enable/disable, rotate and delete through
// admin::ServiceAdmin (agent "tray"), and the policy editor of the selected service: the service's
// own policy or, with an agent selected, the policy that agent is held to (saved as its override:
// the fields that differ from the service's, plus those it already overrode).
//
// Apply checks the edited policy with the config's own checks; each error is kept under the key
// of the field at fault: "rules", "rate", "schedule", "agents", "timeout", or "policy" for the
// rest (a JSON pointer in the core's message names the field). Revert discards the edits. While the
// policy is not edited (not dirty), a change of config.json from elsewhere reloads it.
class ServicesPresenter : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString selected READ selected WRITE select NOTIFY selectionChanged)
    Q_PROPERTY(bool dirty READ dirty NOTIFY dirtyChanged)
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
public:
    explicit ServicesPresenter(AdminContext context, QObject *parent = nullptr);
    ~ServicesPresenter() override;

    ServicesModel *servicesModel() const { return m_services.get(); }
    RulesModel *rulesModel() const { return m_rules.get(); }

    // The service whose policy is edited; empty for none. Selecting discards unapplied edits.
    QString selected() const { return m_selected; }
    void select(const QString &service);
    bool selectedEnabled() const;

    // The agents the editor offers an override for (the registered agents and those that already
    // have an override on the selected service), sorted; the service's own policy is "".
    QStringList agentChoices() const;
    QString agent() const { return m_agent; }
    void selectAgent(const QString &agent);
    // The fields the selected agent's override replaces (config.json names).
    QStringList overriddenFields() const;

    PolicyForm form() const { return m_form; }
    void setForm(const PolicyForm &form);
    bool dirty() const { return m_dirty; }

    // Checks and saves the edited policy; false with errors() set when refused or failed.
    bool apply();
    // Discards the edits: the policy in force again.
    void revert();

    QString error(const QString &key) const { return m_errors.value(key); }
    QMap<QString, QString> errors() const { return m_errors; }

    // Enables or disables `service`; false (and failed()) on error.
    bool setEnabled(const QString &service, bool enabled);
    bool busy() const { return m_busy; }
    // Deletes `service` and its secret; removeFinished() tells the end.
    void remove(const QString &service);
    // Replaces the secret of `service` (not stored anywhere else); rotateFinished() tells the end.
    void rotate(const QString &service, const QString &secret);

Q_SIGNALS:
    void selectionChanged();
    // The editor's policy was (re)loaded: form() and rulesModel() hold the policy in force.
    void policyLoaded();
    void dirtyChanged();
    void errorsChanged();
    void busyChanged();
    void removeFinished(bool ok, const QString &message);
    void rotateFinished(bool ok, const QString &message);
    // A change asked for failed (the message says what to do).
    void failed(const QString &message);

private:
    void load();
    void setDirty(bool dirty);
    void setBusy(bool busy);
    void followConfig();
    // The policy the editor started from (the service's, or the agent's effective one).
    Policy basePolicy() const;
    const ServiceConfig *selectedService() const;

    AdminContext m_context;
    admin::ServiceAdmin m_admin;
    std::unique_ptr<ServicesModel> m_services;
    std::unique_ptr<RulesModel> m_rules;
    QString m_selected;
    QString m_agent;
    PolicyForm m_form;
    bool m_dirty = false;
    bool m_busy = false;
    bool m_loading = false;
    QMap<QString, QString> m_errors;
};

} // namespace keyward::gui
