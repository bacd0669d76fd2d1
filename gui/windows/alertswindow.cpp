#include "windows/alertswindow.h"

#include "alerts/alert.h"
#include "alerts/alertcenter.h"
#include "models/alertsmodel.h"
#include "tray/trayicons.h"
#include "windows/alertspresenter.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace keyward::gui {

AlertsWindow::AlertsWindow(AlertsPresenter &presenter, AlertsModel &model, QWidget *parent)
    : QWidget(parent), m_presenter(presenter), m_model(model)
{
    setWindowTitle(tr("Keyward: alerts"));
    setWindowIcon(applicationIcon());
    setObjectName(QStringLiteral("alertsWindow"));
    setAccessibleName(tr("Keyward: alerts"));
    auto *layout = new QVBoxLayout(this);

    // The alerts and the selected one's detail.
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("alertsTable"));
    m_table->setAccessibleName(tr("Alerts, newest first"));
    m_table->setModel(&m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setTabKeyNavigation(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    layout->addWidget(m_table, 3);

    m_detail = new QLabel(this);
    m_detail->setObjectName(QStringLiteral("alertDetail"));
    m_detail->setAccessibleName(tr("Selected alert"));
    m_detail->setWordWrap(true);
    m_detail->setTextFormat(Qt::PlainText);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_detail->setFocusPolicy(Qt::StrongFocus);
    layout->addWidget(m_detail);

    auto *buttons = new QHBoxLayout;
    auto *markSeen = new QPushButton(tr("&Mark all seen"), this);
    markSeen->setObjectName(QStringLiteral("markAllSeen"));
    markSeen->setAccessibleName(tr("Mark all alerts seen"));
    buttons->addWidget(markSeen);
    buttons->addStretch();
    layout->addLayout(buttons);

    // The categories: Record and Notify per rule, and the quiet hours.
    auto *rules = new QGroupBox(tr("Alert categories"), this);
    auto *rulesLayout = new QVBoxLayout(rules);
    m_quietHours = new QLabel(rules);
    m_quietHours->setObjectName(QStringLiteral("quietHours"));
    m_quietHours->setAccessibleName(tr("Quiet hours"));
    m_quietHours->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    rulesLayout->addWidget(m_quietHours);
    auto *scroll = new QScrollArea(rules);
    scroll->setWidgetResizable(true);
    auto *grid = new QWidget(scroll);
    auto *gridLayout = new QGridLayout(grid);
    gridLayout->addWidget(new QLabel(tr("Category"), grid), 0, 0);
    gridLayout->addWidget(new QLabel(tr("Record"), grid), 0, 1);
    gridLayout->addWidget(new QLabel(tr("Notify"), grid), 0, 2);
    int row = 1;
    for (const QString &category : alertCategories()) {
        auto *name = new QLabel(category, grid);
        auto *record = new QCheckBox(tr("Record"), grid);
        record->setObjectName(QStringLiteral("record_%1").arg(category));
        record->setAccessibleName(tr("Record %1 alerts").arg(category));
        auto *notify = new QCheckBox(tr("Notify"), grid);
        notify->setObjectName(QStringLiteral("notify_%1").arg(category));
        notify->setAccessibleName(tr("Notify %1 alerts").arg(category));
        gridLayout->addWidget(name, row, 0);
        gridLayout->addWidget(record, row, 1);
        gridLayout->addWidget(notify, row, 2);
        m_record.insert(category, record);
        m_notify.insert(category, notify);
        // clicked (not toggled): only a person's change is applied, not showSettings() setting boxes.
        connect(record, &QCheckBox::clicked, this, [this, category](bool checked) { m_presenter.setRecord(category, checked); });
        connect(notify, &QCheckBox::clicked, this, [this, category](bool checked) { m_presenter.setNotify(category, checked); });
        ++row;
    }
    scroll->setWidget(grid);
    rulesLayout->addWidget(scroll);
    layout->addWidget(rules, 2);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("alertsError"));
    m_error->setAccessibleName(tr("Alerts error"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: palette(link-visited);"));
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_error->hide();
    layout->addWidget(m_error);

    connect(markSeen, &QPushButton::clicked, this, [this]() { m_presenter.markAllSeen(); });
    connect(&m_presenter, &AlertsPresenter::settingsChanged, this, &AlertsWindow::showSettings);
    connect(&m_presenter, &AlertsPresenter::errorChanged, this, [this](const QString &text) {
        m_error->setText(text);
        m_error->setVisible(!text.isEmpty());
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &AlertsWindow::showSelected);
    connect(&m_model, &QAbstractItemModel::modelReset, this, &AlertsWindow::showSelected);
    connect(&m_model, &QAbstractItemModel::modelReset, this, [this]() {
        if (!m_model.errorText().isEmpty()) {
            m_error->setText(tr("The alerts could not be read: %1").arg(m_model.errorText()));
            m_error->show();
        }
    });

    setTabOrder(m_table, m_detail);
    setTabOrder(m_detail, markSeen);
    showSettings();
    showSelected();
    resize(900, 640);
}

QString AlertsWindow::errorText() const { return m_error->isHidden() ? QString() : m_error->text(); }

QString AlertsWindow::detailText() const { return m_detail->text(); }

void AlertsWindow::showEvent(QShowEvent *event)
{
    showSettings();
    QWidget::showEvent(event);
}

void AlertsWindow::showSettings()
{
    const AlertSettings &settings = m_presenter.settings();
    for (const QString &category : alertCategories()) {
        const AlertRuleSettings &rule = settings.rule(category);
        m_record.value(category)->setChecked(rule.enabled);
        m_notify.value(category)->setChecked(rule.notify);
    }
    QString quiet = tr("Quiet hours: %1").arg(m_presenter.quietHoursText());
    if (!settings.enabled)
        quiet += QLatin1Char(' ') + tr("(desktop notifications are off)");
    m_quietHours->setText(quiet);
}

void AlertsWindow::showSelected()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    const Alert *alert = rows.isEmpty() ? nullptr : m_model.alertAt(rows.first().row());
    if (!alert) {
        m_detail->setText(tr("Select an alert to see what happened."));
        return;
    }
    QString text = alert->message;
    if (alert->actionTaken)
        text += QLatin1Char('\n') + tr("Keyward did: %1").arg(*alert->actionTaken);
    text += QLatin1Char('\n')
            + tr("Audit rows %1..%2 (see `keyward log`)").arg(alert->firstSeq).arg(alert->lastSeq);
    m_detail->setText(text);
}

QWidget *createAlertsWindow(AlertCenter &alerts, const KeywardHome &home, AuditLog &audit, std::function<void()> reload,
                            QWidget *parent)
{
    auto *presenter = new AlertsPresenter(alerts, home, audit, std::move(reload));
    auto *model = new AlertsModel(alerts);
    auto *window = new AlertsWindow(*presenter, *model, parent);
    presenter->setParent(window);
    model->setParent(window);
    return window;
}

} // namespace keyward::gui
