#include "wizard/servicewizard.h"

#include "wizard/servicewizardpresenter.h"

#include "admin/serviceadmin.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace keyward::gui {

namespace {

QLabel *wrappedLabel(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    return label;
}

} // namespace

// ---- 1: the API ---------------------------------------------------------------------------

class WizardTemplatePage : public QWizardPage {
public:
    explicit WizardTemplatePage(ServiceWizard &wizard) : m_wizard(wizard)
    {
        setTitle(ServiceWizard::tr("Which API?"));
        setSubTitle(ServiceWizard::tr("Pick the API whose key Keyward should keep; Custom works with any HTTPS API."));
        auto *layout = new QVBoxLayout(this);
        auto *label = new QLabel(ServiceWizard::tr("&API:"), this);
        m_list = new QListWidget(this);
        m_list->setObjectName(QStringLiteral("templates"));
        m_list->setAccessibleName(ServiceWizard::tr("API"));
        label->setBuddy(m_list);
        for (const ServiceTemplate &tmpl : ServiceWizardPresenter::templates()) {
            auto *item = new QListWidgetItem(tmpl.isCustom() ? ServiceWizard::tr("Custom API") : tmpl.displayName, m_list);
            item->setData(Qt::UserRole, tmpl.id);
            item->setToolTip(tmpl.description);
        }
        layout->addWidget(label);
        layout->addWidget(m_list);
        m_wizard.addErrorLabel(QStringLiteral("template"), this, m_list);
        layout->addWidget(m_wizard.errorLabel(QStringLiteral("template")));
        QObject::connect(m_list, &QListWidget::currentRowChanged, this, [this] {
            if (QListWidgetItem *item = m_list->currentItem())
                m_wizard.presenter().setTemplateId(item->data(Qt::UserRole).toString());
            Q_EMIT completeChanged();
        });
        QObject::connect(m_list, &QListWidget::itemActivated, this, [this] { m_wizard.next(); });
    }

    bool isComplete() const override { return m_list->currentItem() != nullptr; }
    bool validatePage() override { return m_wizard.presenter().validateTemplate(); }

private:
    ServiceWizard &m_wizard;
    QListWidget *m_list;
};

// ---- 2: name and the template's values ------------------------------------------------------

class WizardServicePage : public QWizardPage {
public:
    explicit WizardServicePage(ServiceWizard &wizard) : m_wizard(wizard)
    {
        setTitle(ServiceWizard::tr("Name and settings"));
        m_form = new QFormLayout(this);
    }

    void initializePage() override
    {
        ServiceWizardPresenter &presenter = m_wizard.presenter();
        const ServiceTemplate *tmpl = presenter.currentTemplate();
        setSubTitle(tmpl && !tmpl->isCustom() ? ServiceWizard::tr("How agents will name %1, and what it needs.").arg(tmpl->displayName)
                                              : ServiceWizard::tr("How agents will name this API, where it is and how the key is sent."));
        clear();
        m_fieldKeys.clear();
        QLineEdit *name = addLine(QStringLiteral("name"), ServiceWizard::tr("&Name:"), ServiceWizard::tr("Service name"),
                                  presenter.name(), ServiceWizard::tr("Lowercase letters, digits, - and _; agents use it to call the API."));
        QObject::connect(name, &QLineEdit::textEdited, this, [this](const QString &text) { m_wizard.presenter().setName(text); });
        if (!tmpl)
            return;
        for (const TemplateField &field : tmpl->fields) {
            QLineEdit *edit = addLine(QStringLiteral("field:") + field.id, field.label + QStringLiteral(":"), field.label,
                                      presenter.fieldValue(field.id), field.help);
            edit->setPlaceholderText(field.example);
            QObject::connect(edit, &QLineEdit::textEdited, this,
                             [this, id = field.id](const QString &text) { m_wizard.presenter().setFieldValue(id, text); });
        }
        if (!tmpl->isCustom())
            return;
        const AuthConfig auth = presenter.customAuth();
        QLineEdit *baseUrl = addLine(QStringLiteral("baseUrl"), ServiceWizard::tr("&Base URL:"), ServiceWizard::tr("Base URL"),
                                     presenter.baseUrl(), ServiceWizard::tr("The API's address, e.g. https://api.example.com/v1."));
        baseUrl->setPlaceholderText(QStringLiteral("https://api.example.com/v1"));
        QObject::connect(baseUrl, &QLineEdit::textEdited, this, [this](const QString &text) { m_wizard.presenter().setBaseUrl(text); });

        m_authType = new QComboBox(this);
        m_authType->setObjectName(QStringLiteral("auth"));
        m_authType->setAccessibleName(ServiceWizard::tr("How the key is sent"));
        m_authType->addItem(ServiceWizard::tr("Bearer token (Authorization: Bearer KEY)"), int(AuthType::Bearer));
        m_authType->addItem(ServiceWizard::tr("Basic auth (user name and KEY as password)"), int(AuthType::Basic));
        m_authType->addItem(ServiceWizard::tr("A header of its own (e.g. X-Api-Key: KEY)"), int(AuthType::Header));
        m_authType->addItem(ServiceWizard::tr("A query parameter (e.g. ?key=KEY)"), int(AuthType::Query));
        m_authType->setCurrentIndex(m_authType->findData(int(auth.type)));
        addRow(QStringLiteral("auth"), ServiceWizard::tr("&Key sent as:"), m_authType);
        m_header = addLine(QStringLiteral("header"), ServiceWizard::tr("&Header:"), ServiceWizard::tr("Header name"), auth.header,
                           ServiceWizard::tr("The header that carries the key, e.g. X-Api-Key."));
        m_prefix = addLine(QStringLiteral("prefix"), ServiceWizard::tr("&Prefix:"), ServiceWizard::tr("Header prefix"), auth.prefix,
                           ServiceWizard::tr("Text put before the key in the header, e.g. \"Token \"; usually empty."));
        m_param = addLine(QStringLiteral("param"), ServiceWizard::tr("&Parameter:"), ServiceWizard::tr("Query parameter"), auth.param,
                          ServiceWizard::tr("The query parameter that carries the key, e.g. key."));
        m_username = addLine(QStringLiteral("username"), ServiceWizard::tr("&User name:"), ServiceWizard::tr("User name"), auth.username,
                             ServiceWizard::tr("The user name; the key is the password."));
        QLineEdit *caFile = addLine(QStringLiteral("caFile"), ServiceWizard::tr("&CA file:"), ServiceWizard::tr("CA file"),
                                    presenter.caFile(),
                                    ServiceWizard::tr("Optional: a PEM file of the private CA that signed the API's certificate."));
        QObject::connect(caFile, &QLineEdit::textEdited, this, [this](const QString &text) { m_wizard.presenter().setCaFile(text); });
        auto changed = [this] { pushAuth(); };
        QObject::connect(m_authType, &QComboBox::currentIndexChanged, this, changed);
        for (QLineEdit *edit : {m_header, m_prefix, m_param, m_username})
            QObject::connect(edit, &QLineEdit::textEdited, this, changed);
        showAuthFields();
    }

    bool validatePage() override { return m_wizard.presenter().validateService(); }

private:
    void clear()
    {
        for (const QString &key : std::as_const(m_fieldKeys)) {
            m_wizard.m_errorLabels.remove(key);
            m_wizard.m_fieldOfError.remove(key);
        }
        while (m_form->rowCount() > 0)
            m_form->removeRow(0);
        m_authType = nullptr;
        m_header = m_prefix = m_param = m_username = nullptr;
    }

    void addRow(const QString &key, const QString &labelText, QWidget *field, const QString &help = QString())
    {
        auto *box = new QWidget(this);
        auto *column = new QVBoxLayout(box);
        column->setContentsMargins(0, 0, 0, 0);
        column->addWidget(field);
        if (!help.isEmpty()) {
            QLabel *helpLabel = wrappedLabel(help, box);
            helpLabel->setAccessibleName(ServiceWizard::tr("Help"));
            column->addWidget(helpLabel);
            field->setToolTip(help);
        }
        column->addWidget(m_wizard.addErrorLabel(key, box, field));
        auto *label = new QLabel(labelText, this);
        label->setBuddy(field);
        m_form->addRow(label, box);
        m_fieldKeys << key;
        m_rows.insert(key, box);
    }

    QLineEdit *addLine(const QString &key, const QString &label, const QString &accessibleName, const QString &value,
                       const QString &help)
    {
        auto *edit = new QLineEdit(value, this);
        edit->setObjectName(key);
        edit->setAccessibleName(accessibleName);
        addRow(key, label, edit, help);
        return edit;
    }

    AuthType authType() const { return AuthType(m_authType->currentData().toInt()); }

    void showAuthFields()
    {
        const AuthType type = authType();
        m_form->setRowVisible(m_rows.value(QStringLiteral("header")), type == AuthType::Header);
        m_form->setRowVisible(m_rows.value(QStringLiteral("prefix")), type == AuthType::Header);
        m_form->setRowVisible(m_rows.value(QStringLiteral("param")), type == AuthType::Query);
        m_form->setRowVisible(m_rows.value(QStringLiteral("username")), type == AuthType::Basic);
    }

    // The auth as the form shows it: only the fields of the chosen type.
    void pushAuth()
    {
        AuthConfig auth;
        auth.type = authType();
        if (auth.type == AuthType::Header) {
            auth.header = m_header->text().trimmed();
            auth.prefix = m_prefix->text();
        } else if (auth.type == AuthType::Query) {
            auth.param = m_param->text().trimmed();
        } else if (auth.type == AuthType::Basic) {
            auth.username = m_username->text().trimmed();
        }
        showAuthFields();
        m_wizard.presenter().setCustomAuth(auth);
    }

    ServiceWizard &m_wizard;
    QFormLayout *m_form;
    QStringList m_fieldKeys;
    QMap<QString, QWidget *> m_rows;
    QComboBox *m_authType = nullptr;
    QLineEdit *m_header = nullptr;
    QLineEdit *m_prefix = nullptr;
    QLineEdit *m_param = nullptr;
    QLineEdit *m_username = nullptr;
};

// ---- 3: the key -----------------------------------------------------------------------------

class WizardSecretPage : public QWizardPage {
public:
    explicit WizardSecretPage(ServiceWizard &wizard) : m_wizard(wizard)
    {
        setTitle(ServiceWizard::tr("The API key"));
        setSubTitle(ServiceWizard::tr("Keyward keeps the key in the keychain; agents never see it."));
        auto *layout = new QVBoxLayout(this);
        m_where = wrappedLabel(QString(), this);
        m_where->setObjectName(QStringLiteral("keyPage"));
        m_where->setOpenExternalLinks(true);
        m_where->setTextInteractionFlags(Qt::TextBrowserInteraction);
        m_where->setAccessibleName(ServiceWizard::tr("Where to make the key"));
        layout->addWidget(m_where);
        auto *label = new QLabel(ServiceWizard::tr("&Key:"), this);
        m_secret = new QLineEdit(this);
        m_secret->setObjectName(QStringLiteral("secret"));
        m_secret->setEchoMode(QLineEdit::Password);
        m_secret->setAccessibleName(ServiceWizard::tr("API key"));
        m_secret->setInputMethodHints(Qt::ImhHiddenText | Qt::ImhNoPredictiveText | Qt::ImhNoAutoUppercase);
        label->setBuddy(m_secret);
        layout->addWidget(label);
        layout->addWidget(m_secret);
        m_show = new QCheckBox(ServiceWizard::tr("S&how the key"), this);
        m_show->setObjectName(QStringLiteral("showSecret"));
        m_show->setAccessibleName(ServiceWizard::tr("Show the key"));
        layout->addWidget(m_show);
        layout->addWidget(m_wizard.addErrorLabel(QStringLiteral("secret"), this, m_secret));
        m_test = new QPushButton(ServiceWizard::tr("&Test"), this);
        m_test->setObjectName(QStringLiteral("test"));
        m_test->setAccessibleName(ServiceWizard::tr("Test the key"));
        m_test->setToolTip(ServiceWizard::tr("Make one real call with this key; nothing is saved"));
        layout->addWidget(m_test, 0, Qt::AlignLeft);
        m_result = wrappedLabel(QString(), this);
        m_result->setObjectName(QStringLiteral("testResult"));
        m_result->setAccessibleName(ServiceWizard::tr("Test result"));
        layout->addWidget(m_result);
        layout->addWidget(m_wizard.addErrorLabel(QStringLiteral("test"), this, m_test));
        layout->addStretch();

        QObject::connect(m_show, &QCheckBox::toggled, this,
                         [this](bool show) { m_secret->setEchoMode(show ? QLineEdit::Normal : QLineEdit::Password); });
        QObject::connect(m_test, &QPushButton::clicked, this, [this] {
            m_result->setText(ServiceWizard::tr("Testing…"));
            m_wizard.presenter().test(m_secret->text());
        });
        QObject::connect(&m_wizard.presenter(), &ServiceWizardPresenter::testFinished, this, [this](bool ok, const QString &message) {
            m_result->setText(ok ? message : QString());
        });
        QObject::connect(&m_wizard.presenter(), &ServiceWizardPresenter::busyChanged, this,
                         [this] { m_test->setEnabled(!m_wizard.presenter().busy()); });
    }

    void initializePage() override
    {
        const ServiceTemplate *tmpl = m_wizard.presenter().currentTemplate();
        QString text;
        if (tmpl && !tmpl->keyPageUrl.isEmpty()) {
            text = ServiceWizard::tr("Make a key at <a href=\"%1\">%2</a>.").arg(tmpl->keyPageUrl.toHtmlEscaped(), tmpl->keyPageUrl.toHtmlEscaped());
        }
        if (tmpl && !tmpl->keyHint.isEmpty())
            text += QStringLiteral(" ") + tmpl->keyHint.toHtmlEscaped();
        m_where->setText(text);
        m_where->setVisible(!text.isEmpty());
        m_result->clear();
    }

    bool validatePage() override { return m_wizard.presenter().validateSecret(m_secret->text()); }

    QString secret() const { return m_secret->text(); }
    void forget() { m_secret->clear(); }

private:
    ServiceWizard &m_wizard;
    QLabel *m_where;
    QLineEdit *m_secret;
    QCheckBox *m_show;
    QPushButton *m_test;
    QLabel *m_result;
};

// ---- 4: the default policy, and Finish ------------------------------------------------------

class WizardPolicyPage : public QWizardPage {
public:
    WizardPolicyPage(ServiceWizard &wizard, WizardSecretPage &secretPage) : m_wizard(wizard), m_secretPage(secretPage)
    {
        setTitle(ServiceWizard::tr("What agents may do"));
        setSubTitle(ServiceWizard::tr("The least-privilege default for this API. Finish saves the service."));
        setFinalPage(true);
        auto *layout = new QVBoxLayout(this);
        m_summary = wrappedLabel(QString(), this);
        m_summary->setObjectName(QStringLiteral("policySummary"));
        m_summary->setAccessibleName(ServiceWizard::tr("Default policy"));
        m_summary->setFocusPolicy(Qt::StrongFocus);
        layout->addWidget(m_summary);
        layout->addWidget(m_wizard.addErrorLabel(QStringLiteral("save"), this));
        layout->addStretch();
        QObject::connect(&m_wizard.presenter(), &ServiceWizardPresenter::saveFinished, this, [this](bool ok) {
            if (ok) {
                m_secretPage.forget();
                Q_EMIT m_wizard.serviceAdded(m_wizard.presenter().name());
                m_wizard.accept();
            }
        });
    }

    void initializePage() override { m_summary->setText(m_wizard.presenter().policySummary()); }

    bool validatePage() override
    {
        ServiceWizardPresenter &presenter = m_wizard.presenter();
        if (presenter.saved())
            return true;
        // Saving is asynchronous (the keychain answers later): the wizard closes on saveFinished.
        presenter.save(m_secretPage.secret());
        return false;
    }

private:
    ServiceWizard &m_wizard;
    WizardSecretPage &m_secretPage;
    QLabel *m_summary;
};

// ---- the wizard -----------------------------------------------------------------------------

ServiceWizard::ServiceWizard(AdminContext context, QWidget *parent)
    : QWizard(parent), m_presenter(std::make_unique<ServiceWizardPresenter>(std::move(context)))
{
    setWindowTitle(tr("Keyward: add a service"));
    setAccessibleName(tr("Add a service"));
    setObjectName(QStringLiteral("serviceWizard"));
    setOption(QWizard::NoCancelButtonOnLastPage, false);
    auto *secretPage = new WizardSecretPage(*this);
    setPage(TemplatePage, new WizardTemplatePage(*this));
    setPage(ServicePage, new WizardServicePage(*this));
    setPage(SecretPage, secretPage);
    setPage(PolicyPage, new WizardPolicyPage(*this, *secretPage));
    connect(m_presenter.get(), &ServiceWizardPresenter::errorsChanged, this, &ServiceWizard::showErrors);
    connect(m_presenter.get(), &ServiceWizardPresenter::busyChanged, this, [this] {
        button(QWizard::FinishButton)->setEnabled(!m_presenter->busy());
        button(QWizard::BackButton)->setEnabled(!m_presenter->busy());
    });
}

ServiceWizard::~ServiceWizard() = default;

QLabel *ServiceWizard::addErrorLabel(const QString &key, QWidget *parent, QWidget *field)
{
    auto *label = wrappedLabel(QString(), parent);
    label->setObjectName(QStringLiteral("error:") + key);
    label->setAccessibleName(tr("Error"));
    label->setStyleSheet(QStringLiteral("color: #d32f2f; font-weight: bold;"));
    label->setVisible(false);
    m_errorLabels.insert(key, label);
    if (field)
        m_fieldOfError.insert(key, field);
    const QString error = m_presenter->error(key);
    label->setText(error);
    label->setVisible(!error.isEmpty());
    return label;
}

void ServiceWizard::showErrors()
{
    for (auto it = m_errorLabels.cbegin(); it != m_errorLabels.cend(); ++it) {
        const QString error = m_presenter->error(it.key());
        it.value()->setText(error);
        it.value()->setVisible(!error.isEmpty());
        if (QWidget *field = m_fieldOfError.value(it.key()))
            field->setAccessibleDescription(error);
    }
}

} // namespace keyward::gui
