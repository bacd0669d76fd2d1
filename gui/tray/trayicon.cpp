#include "tray/trayicon.h"

#include "tray/trayicons.h"
#include "tray/traypresenter.h"

#include <QAction>
#include <QCheckBox>
#include <QCloseEvent>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSystemTrayIcon>
#include <QVBoxLayout>
#include <QWidget>

namespace keyward::gui {

TrayIcon::TrayIcon(TrayPresenter &presenter, int refreshMs, QObject *parent) : QObject(parent), m_presenter(presenter)
{
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        buildMenu();
        m_tray = new QSystemTrayIcon(this);
        m_tray->setContextMenu(m_menu.get());
    } else {
        buildWindow();
    }
    connect(&m_presenter, &TrayPresenter::stateChanged, this, &TrayIcon::update);
    connect(&m_presenter, &TrayPresenter::failed, this, &TrayIcon::showFailure);
    connect(&m_refresh, &QTimer::timeout, &m_presenter, &TrayPresenter::refresh);
    m_refresh.start(refreshMs);
    update();
}

TrayIcon::~TrayIcon() = default;

void TrayIcon::show()
{
    if (m_tray)
        m_tray->show();
    else
        m_window->show();
}

void TrayIcon::buildMenu()
{
    m_menu = std::make_unique<QMenu>();
    m_menu->setAccessibleName(tr("Keyward"));
    m_status = m_menu->addAction(QString());
    m_status->setEnabled(false);
    m_menu->addSeparator();
    m_killAll = m_menu->addAction(tr("Stop all agents"));
    m_killAll->setObjectName(QStringLiteral("killAll"));
    m_killAll->setCheckable(true);
    m_killAll->setToolTip(tr("Refuse every agent call at once, calls in flight included"));
    connect(m_killAll, &QAction::triggered, this, &TrayIcon::toggleKill);
    m_serviceMenu = m_menu->addMenu(tr("Stop one service"));
    m_serviceMenu->setAccessibleName(tr("Stop one service"));
    connect(m_menu.get(), &QMenu::aboutToShow, this, &TrayIcon::rebuildServiceMenu);
    m_menu->addSeparator();
    for (const WindowEntry &entry : windowEntries()) {
        QAction *action = m_menu->addAction(entry.menuText);
        action->setObjectName(entry.objectName);
        action->setToolTip(entry.toolTip);
        const QString name = entry.name;
        connect(action, &QAction::triggered, this, [this, name] { Q_EMIT windowRequested(name); });
    }
    m_menu->addSeparator();
    QAction *quit = m_menu->addAction(tr("Quit"));
    quit->setObjectName(QStringLiteral("quit"));
    quit->setToolTip(tr("Stop Keyward: agents cannot call any API until it runs again"));
    connect(quit, &QAction::triggered, this, &TrayIcon::quitRequested);
    rebuildServiceMenu();
}

QList<TrayIcon::WindowEntry> TrayIcon::windowEntries() const
{
    return {
        {QStringLiteral("services"), QStringLiteral("services"), tr("Services…"), tr("&Services…"),
         tr("Add services, edit their policies, enable, disable, rotate or delete them")},
        {QStringLiteral("wizard"), QStringLiteral("addService"), tr("Add service…"), tr("Add se&rvice…"),
         tr("Give Keyward the key of another API")},
        {QStringLiteral("audit"), QStringLiteral("auditLog"), tr("Audit log…"), tr("&Audit log…"),
         tr("Browse, search, export and verify every call agents made")},
        {QStringLiteral("alerts"), QStringLiteral("alerts"), tr("Alerts…"), tr("A&lerts…"),
         tr("Unusual agent behaviour Keyward noticed, and which alerts to show")},
        {QStringLiteral("clients"), QStringLiteral("clients"), tr("Clients…"), tr("&Clients…"),
         tr("Point MCP clients at Keyward and move their plaintext keys into the keychain")},
        {QStringLiteral("settings"), QStringLiteral("settings"), tr("Settings…"), tr("S&ettings…"),
         tr("HTTP for agents, agent tokens, start at login, secret store, audit log")},
    };
}

void TrayIcon::buildWindow()
{
    m_window = std::make_unique<QWidget>();
    m_window->setWindowTitle(tr("Keyward"));
    m_window->setWindowIcon(applicationIcon());
    m_window->setAccessibleName(tr("Keyward"));
    auto *layout = new QVBoxLayout(m_window.get());
    auto *why = new QLabel(tr("No system tray was found on this desktop, so Keyward shows this window instead. "
                              "On GNOME, the AppIndicator extension adds a tray."),
                           m_window.get());
    why->setWordWrap(true);
    why->setAccessibleName(tr("Why this window is shown"));
    m_windowStatus = new QLabel(m_window.get());
    m_windowStatus->setObjectName(QStringLiteral("status"));
    m_windowStatus->setAccessibleName(tr("Status"));
    m_windowKill = new QCheckBox(tr("Stop all agents"), m_window.get());
    m_windowKill->setObjectName(QStringLiteral("killAll"));
    m_windowKill->setAccessibleName(tr("Stop all agents"));
    m_windowKill->setToolTip(tr("Refuse every agent call at once, calls in flight included"));
    connect(m_windowKill, &QCheckBox::clicked, this, &TrayIcon::toggleKill);
    QList<QPushButton *> windowButtons;
    for (const WindowEntry &entry : windowEntries()) {
        auto *button = new QPushButton(entry.buttonText, m_window.get());
        button->setObjectName(entry.objectName);
        button->setAccessibleName(entry.toolTip);
        button->setToolTip(entry.toolTip);
        const QString name = entry.name;
        connect(button, &QPushButton::clicked, this, [this, name] { Q_EMIT windowRequested(name); });
        windowButtons << button;
    }
    auto *quit = new QPushButton(tr("Quit"), m_window.get());
    quit->setObjectName(QStringLiteral("quit"));
    quit->setAccessibleName(tr("Quit Keyward"));
    connect(quit, &QPushButton::clicked, this, &TrayIcon::quitRequested);
    layout->addWidget(why);
    layout->addWidget(m_windowStatus);
    layout->addWidget(m_windowKill);
    for (QPushButton *button : windowButtons)
        layout->addWidget(button);
    layout->addWidget(quit);
    m_window->installEventFilter(this);
}

bool TrayIcon::eventFilter(QObject *watched, QEvent *event)
{
    // Closing the fallback window is quitting: nothing else would show that Keyward runs.
    if (watched == m_window.get() && event->type() == QEvent::Close)
        Q_EMIT quitRequested();
    return QObject::eventFilter(watched, event);
}

void TrayIcon::rebuildServiceMenu()
{
    if (!m_serviceMenu)
        return;
    m_serviceMenu->clear();
    const QStringList services = m_presenter.services();
    if (services.isEmpty()) {
        m_serviceMenu->addAction(tr("No services yet"))->setEnabled(false);
        return;
    }
    for (const QString &service : services) {
        QAction *action = m_serviceMenu->addAction(service);
        action->setCheckable(true);
        action->setChecked(m_presenter.serviceKilled(service));
        action->setToolTip(tr("Refuse every call to %1").arg(service));
        connect(action, &QAction::triggered, this, [this, service](bool killed) {
            (void)m_presenter.setServiceKilled(service, killed); // a failure is shown through failed()
        });
    }
}

void TrayIcon::update()
{
    const bool killed = m_presenter.killed();
    if (m_tray) {
        m_tray->setIcon(trayIcon(m_presenter.state()));
        m_tray->setToolTip(m_presenter.toolTip());
        m_status->setText(m_presenter.statusLine());
        m_killAll->setChecked(killed);
        // The service entries are rebuilt when the menu opens (never here: update() runs from
        // inside their own triggered()).
    } else {
        m_window->setWindowIcon(trayIcon(m_presenter.state()));
        m_window->setToolTip(m_presenter.toolTip());
        m_windowStatus->setText(m_presenter.statusLine());
        m_windowKill->setChecked(killed);
    }
}

void TrayIcon::toggleKill(bool killed)
{
    (void)m_presenter.setKilled(killed); // a failure is shown through failed()
    update();                            // the switch shows what is in force, whatever happened
}

void TrayIcon::showFailure(const QString &message)
{
    if (m_tray)
        m_tray->showMessage(tr("Keyward"), message, QSystemTrayIcon::Warning);
    else
        QMessageBox::warning(m_window.get(), tr("Keyward"), message);
}

} // namespace keyward::gui
