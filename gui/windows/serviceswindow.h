#pragma once

#include "windows/admincontext.h"

#include <QMap>
#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTableView;

namespace keyward::gui {

class ServicesPresenter;

// The services window (DESIGN.md "GUI", issue 6 item 4), a thin binding of a ServicesPresenter:
// the services table with Add…, Enable/Disable, Rotate key… (a masked dialog) and Delete… (a
// confirmation naming the service), and the policy editor of the selected service: for the service
// or one agent, the rules (action and method chosen from lists, path typed), rate, schedule,
// agents, require-reason and timeout, with Apply and Revert. Each error shows in a label under the
// field at fault. addServiceRequested() asks for the wizard (the window registry opens it).
class ServicesWindow : public QWidget {
    Q_OBJECT
public:
    explicit ServicesWindow(AdminContext context, QWidget *parent = nullptr);
    ~ServicesWindow() override;

    ServicesPresenter &presenter() { return *m_presenter; }
    QTableView *servicesView() const { return m_services; }
    QTableView *rulesView() const { return m_rules; }
    QLabel *errorLabel(const QString &key) const { return m_errorLabels.value(key); }
    // Selects the row of `service` in the table.
    void selectService(const QString &service);

Q_SIGNALS:
    void addServiceRequested();

private:
    QWidget *buildServicesPane();
    QWidget *buildPolicyPane();
    QLabel *addErrorLabel(const QString &key, QWidget *field);
    void showPolicy();
    void showErrors();
    void updateButtons();
    void pushForm();
    void toggleEnabled();
    void confirmDelete();
    void askNewSecret();

    std::unique_ptr<ServicesPresenter> m_presenter;
    QMap<QString, QLabel *> m_errorLabels;
    QMap<QString, QWidget *> m_fieldOfError;
    bool m_showing = false;

    QTableView *m_services = nullptr;
    QPushButton *m_add = nullptr;
    QPushButton *m_enable = nullptr;
    QPushButton *m_rotate = nullptr;
    QPushButton *m_delete = nullptr;
    QLabel *m_status = nullptr;

    QWidget *m_policyPane = nullptr;
    QLabel *m_policyTitle = nullptr;
    QComboBox *m_agent = nullptr;
    QLabel *m_overrides = nullptr;
    QTableView *m_rules = nullptr;
    QPushButton *m_addRule = nullptr;
    QPushButton *m_removeRule = nullptr;
    QCheckBox *m_rateEnabled = nullptr;
    QSpinBox *m_rateN = nullptr;
    QComboBox *m_ratePer = nullptr;
    QSpinBox *m_rateBurst = nullptr;
    QLineEdit *m_schedule = nullptr;
    QRadioButton *m_allAgents = nullptr;
    QRadioButton *m_someAgents = nullptr;
    QLineEdit *m_agents = nullptr;
    QCheckBox *m_requireReason = nullptr;
    QDoubleSpinBox *m_timeout = nullptr;
    QPushButton *m_apply = nullptr;
    QPushButton *m_revert = nullptr;
};

} // namespace keyward::gui
