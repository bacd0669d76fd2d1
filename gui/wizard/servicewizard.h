#pragma once

#include "windows/admincontext.h"

#include <QMap>
#include <QWizard>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace keyward::gui {

class ServiceWizardPresenter;

// The service wizard (DESIGN.md "GUI", issue 6 item 3), a thin binding of a ServiceWizardPresenter:
// 1. the API (the templates by display name, Custom last); 2. the service's name, the template's
// fields, or for Custom the base URL and auth; 3. the key, masked (with a Show toggle), a link to
// where it is made and which permissions to give it, and Test; 4. the default policy, and Finish,
// which saves. Every error is shown in a label under the field at fault (its text also the field's
// accessible description), never only in a message box. Finish closes the wizard once the service
// is saved; serviceAdded() tells its name.
class ServiceWizard : public QWizard {
    Q_OBJECT
public:
    enum Page { TemplatePage, ServicePage, SecretPage, PolicyPage };

    explicit ServiceWizard(AdminContext context, QWidget *parent = nullptr);
    ~ServiceWizard() override;

    ServiceWizardPresenter &presenter() { return *m_presenter; }
    // The label showing the error of `key` (see ServiceWizardPresenter), for tests and tools.
    QLabel *errorLabel(const QString &key) const { return m_errorLabels.value(key); }

Q_SIGNALS:
    void serviceAdded(const QString &name);

private:
    friend class WizardTemplatePage;
    friend class WizardServicePage;
    friend class WizardSecretPage;
    friend class WizardPolicyPage;

    // A hidden label under a field that shows the field's error; `field` gets it as its accessible description.
    QLabel *addErrorLabel(const QString &key, QWidget *parent, QWidget *field = nullptr);
    void showErrors();

    std::unique_ptr<ServiceWizardPresenter> m_presenter;
    QMap<QString, QLabel *> m_errorLabels;
    QMap<QString, QWidget *> m_fieldOfError;
};

} // namespace keyward::gui
