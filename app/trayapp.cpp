#include "trayapp.h"

#include "backgroundstart.h"
#include "cli/output.h"
#include "logsetup.h"
#include "owner.h"
#include "processhardening.h"
#include "stopsignals.h"

#include "approvals/approvaldialog.h"
#include "approvals/approvalpresenter.h"
#include "audit/auditlog.h"
#include "core/keywardhome.h"
#include "core/logging.h"
#include "daemon/ownerclient.h"
#include "daemon/ownerlock.h"
#include "daemon/ownerprotocol.h"
#include "policy/alwaysallow.h"
#include "policy/effectivepolicy.h"
#include "tray/trayicon.h"
#include "tray/traypresenter.h"
#include "alerts/alertcenter.h"
#include "clients/clientspresenter.h"
#include "clients/clientregistry.h"
#include "models/agentsmodel.h"
#include "windows/alertswindow.h"
#include "windows/clientswindow.h"
#include "platform/autostart.h"
#include "settings/settingspresenter.h"
#include "windows/admincontext.h"
#include "windows/auditwindow.h"
#include "windows/serviceswindow.h"
#include "windows/settingswindow.h"
#include "windows/windowregistry.h"
#include "wizard/servicewizard.h"

#include <QApplication>
#include <QDeadlineTimer>
#include <QMessageBox>
#include <QThread>

// The icons compiled into keyward_gui (a static library: its resources need a call to register).
// Q_INIT_RESOURCE declares a function in the current namespace, so this stays in the global one.
static void initGuiResources() { Q_INIT_RESOURCE(keyward); }

namespace keyward::app {

namespace {

using cli::ExitFailure;
using cli::ExitOk;

constexpr int kTakeOverMs = 10000;
// How long "Always" waits for the home's lock (the event loop waits with it).
constexpr int kAlwaysLockMs = 2000;
const QString kTrayKind = QStringLiteral("tray");
// The code takeOverHome() gives when a tray app already owns the home (then this one shows its
// services window and exits 0).
constexpr const char *kTrayRunning = "tray_running";
// The windows `keyward --show` names (DESIGN.md "CLI"); the tray registers those that exist.
const QStringList kWindowNames = {QStringLiteral("services"), QStringLiteral("audit"), QStringLiteral("alerts"),
                                  QStringLiteral("clients"), QStringLiteral("settings")};
// The `agent` of the change rows the tray records ("Always" on an approval).
const QString kTrayActor = QStringLiteral("tray");

const auto &log()
{
    static const auto logger = keyward::logger("tray");
    return logger;
}

// Starts the owner in this process, first asking a running background owner to stop and waiting
// (at most kTakeOverMs) until its lock is free. A bridge may start a new background owner in that
// window: that one is asked to stop in turn.
Result<std::unique_ptr<Owner>> takeOverHome(const KeywardHome &home)
{
    Owner::Options options;
    options.kind = kTrayKind;
    const QDeadlineTimer deadline(kTakeOverMs);
    qint64 asked = 0;
    QDeadlineTimer askAgain; // an owner still starting may not listen yet: ask it again each second
    for (;;) {
        const qint64 pid = daemon::OwnerLock::ownerPid(home);
        if (pid == 0) {
            auto owner = Owner::start(home, options);
            if (owner || owner.error().code != QLatin1String(daemon::OwnerLock::kOwned))
                return owner;
        } else if (pid != asked || askAgain.hasExpired()) {
            const auto status = daemon::askOwner(home, "status");
            if (status && status->value("kind", std::string()) == kTrayKind.toStdString())
                return Error{QString::fromLatin1(kTrayRunning),
                             QStringLiteral("the Keyward tray app (pid %1) already runs for this home").arg(pid)};
            log()->info("asking the background owner (pid {}) to hand over", pid);
            (void)daemon::askOwner(home, "stop"); // it may already be going: the lock says when it is gone
            asked = pid;
            askAgain.setRemainingTime(1000);
        }
        if (deadline.hasExpired()) {
            const qint64 holder = daemon::OwnerLock::ownerPid(home);
            return Error{QString::fromLatin1(daemon::OwnerLock::kOwned),
                         QStringLiteral("another Keyward process (pid %1) owns this home and did not stop when asked; "
                                        "stop it (kill %1) and start the tray again")
                             .arg(holder ? holder : asked)};
        }
        QThread::msleep(50);
    }
}

// Registers the admin windows of issue 6 (the services window and the service wizard) with
// `windows`. Changes made in them act on `core` directly (the tray is the owner): after each one
// the owner re-reads config.json and state.json and drops its cached secrets, as its "reload" op
// does for the command line.
void registerAdminWindows(gui::WindowRegistry &windows, const KeywardHome &home, CoreStack &core)
{
    const gui::AdminContext admin{home,
                                  core.config(),
                                  core.kills(),
                                  core.audit(),
                                  core.secretStore(),
                                  core.network(),
                                  [&core] {
                                      core.config().reload();
                                      core.kills().reload();
                                      core.secrets().dropAll();
                                  }};
    windows.add(QStringLiteral("services"), [admin, &windows]() -> QWidget * {
        auto *window = new gui::ServicesWindow(admin);
        QObject::connect(window, &gui::ServicesWindow::addServiceRequested, &windows,
                         [&windows] { windows.show(QStringLiteral("wizard")); });
        return window;
    });
    windows.add(QStringLiteral("wizard"), [admin]() -> QWidget * {
        // A fresh wizard each time: it is destroyed when it finishes or is cancelled.
        auto *wizard = new gui::ServiceWizard(admin);
        QObject::connect(wizard, &QDialog::finished, wizard, &QObject::deleteLater);
        return wizard;
    });
}

// The agent calls recorded since local midnight (0 when the audit cannot be read: the tooltip is
// informational, the owner logs audit errors where they matter).
qint64 callsToday(AuditLog &audit)
{
    const auto count = audit.countCalls(QDateTime(QDate::currentDate(), QTime(0, 0)));
    return count ? count.value() : 0;
}

// Whether "Always" can be made permanent for `request` under the config in force.
bool canAlwaysAllow(const Config &config, const policy::ApprovalRequest &request)
{
    const auto found = config.services.find(request.service);
    if (found == config.services.end())
        return false;
    const ServiceConfig &service = found->second;
    const Policy current = policy::asksThroughAgentOverride(service, request.agent)
        ? policy::effectivePolicy(service, request.agent)
        : service.policy;
    return bool(policy::alwaysAllowing(current, request.method, request.path));
}

// Shows `message` in a warning box that does not block the event loop.
void showWarning(const QString &message)
{
    auto *box = new QMessageBox(QMessageBox::Warning, QApplication::translate("keyward", "Keyward"), message);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setModal(false);
    box->show();
}

} // namespace

int runShowWindow(const QStringList &args)
{
    const cli::Output out;
    const QString names = kWindowNames.join(u'|');
    QString name;
    if (!args.isEmpty() && args.first().startsWith(QLatin1String("--show=")))
        name = args.first().mid(7);
    else if (args.size() >= 2)
        name = args.at(1);
    const qsizetype expected = args.value(0).startsWith(QLatin1String("--show=")) ? 1 : 2;
    if (name.isEmpty())
        return out.usageError(QStringLiteral("--show needs a window: keyward --show %1").arg(names));
    if (args.size() > expected)
        return out.usageError(QStringLiteral("--show takes one window name: keyward --show %1").arg(names));
    if (!kWindowNames.contains(name))
        return out.usageError(QStringLiteral("unknown window '%1': keyward --show %2").arg(name, names));

    const KeywardHome home = KeywardHome::fromEnvironment();
    if (daemon::OwnerLock::ownerPid(home) == 0) {
        return out.error(QStringLiteral("tray_not_running"),
                         QStringLiteral("the Keyward tray app is not running for this home; start it with `keyward`"));
    }
    const auto shown = daemon::askOwner(home, "show", 3000, nlohmann::json{{"window", name.toStdString()}});
    if (!shown) {
        if (shown.error().code == QLatin1String(daemon::owner_errors::kNotRunning))
            return out.error(QStringLiteral("tray_not_running"),
                             QStringLiteral("the Keyward tray app is not running for this home (%1); start it with "
                                            "`keyward`")
                                 .arg(shown.error().message));
        return out.error(shown.error().code, shown.error().message);
    }
    return ExitOk;
}

int runTray(const QStringList &args)
{
    const cli::Output out;
    if (!args.isEmpty())
        return out.usageError(QStringLiteral("the tray app takes no arguments; `keyward --help` lists the commands"));
    makeProcessNonDumpable();
    initGuiResources();

    const KeywardHome home = KeywardHome::fromEnvironment();
    auto owner = takeOverHome(home);
    if (!owner && owner.error().code == QLatin1String(kTrayRunning)) {
        // Single instance: the running tray app shows its services window instead.
        const auto shown = daemon::askOwner(home, "show", 3000, nlohmann::json{{"window", "services"}});
        out.message(QStringLiteral("keyward: %1; ").arg(owner.error().message)
                    + (shown ? QStringLiteral("its services window is shown")
                             : QStringLiteral("use its tray icon (%1)").arg(shown.error().message)));
        return ExitOk;
    }
    if (!owner)
        return out.error(owner.error().code, QStringLiteral("cannot start the tray app: ") + owner.error().message);
    std::unique_ptr<Owner> running = std::move(owner).value();
    if (FileStore *store = running->core().fileStore(); store && !store->isUnlocked()) {
        out.message(QStringLiteral("keyward: the encrypted file store is locked: calls fail until you run `keyward "
                                   "unlock` (or start keyward with KEYWARD_PASSPHRASE_FILE)"));
    }
    // The owner is the one writer of keyward.log (DESIGN.md "Processes").
    if (const auto logging = addLogFile(home.logFile()); !logging)
        out.message(QStringLiteral("keyward: warning: %1").arg(logging.error().message));

    CoreStack &core = running->core();
    auto presenter = std::make_unique<gui::TrayPresenter>(
        home, core.kills(), core.audit(), [&core] { return callsToday(core.audit()); },
        [&core] {
            QStringList names;
            for (const auto &[name, service] : core.config().config().services)
                names << name;
            return names;
        });
    auto icon = std::make_unique<gui::TrayIcon>(*presenter);
    QApplication::setQuitOnLastWindowClosed(false);
    // The windows, by name, for the menu and `keyward --show`.
    auto windows = std::make_unique<gui::WindowRegistry>();
    registerAdminWindows(*windows, home, core);
    const QString auditDatabase = home.auditDatabase();
    windows->add(QStringLiteral("audit"), [auditDatabase] { return new gui::AuditWindow(auditDatabase); });
    const Autostart autostart(QCoreApplication::applicationFilePath());
    Owner *ownerPtr = running.get();
    auto settings = std::make_unique<gui::SettingsPresenter>(
        home, core.config(), core.audit(),
        gui::SettingsPresenter::Autostart{[autostart] { return autostart.isEnabled(); },
                                          [autostart](bool enabled) { return autostart.setEnabled(enabled); }},
        [ownerPtr] { return ownerPtr->httpUrl(); });
    auto agents = std::make_unique<gui::AgentsModel>(core.config());
    gui::SettingsPresenter *settingsPresenter = settings.get();
    gui::AgentsModel *agentsModel = agents.get();
    QObject::connect(running.get(), &Owner::httpChanged, settingsPresenter, &gui::SettingsPresenter::changed);
    windows->add(QStringLiteral("settings"), [settingsPresenter, agentsModel] {
        return new gui::SettingsWindow(*settingsPresenter, *agentsModel);
    });
    auto clients = std::make_unique<gui::ClientsPresenter>(
        home, core.secretStore(), core.audit(), clients::ClientEnvironment::fromProcess(),
        QCoreApplication::applicationFilePath(), [&core] {
            core.config().reload();
            core.secrets().dropAll();
        });
    gui::ClientsPresenter *clientsPresenter = clients.get();
    windows->add(QStringLiteral("clients"), [clientsPresenter] {
        clientsPresenter->refresh();
        return gui::createClientsWindow(*clientsPresenter);
    });

    // Alerts: the icon shows them until seen; a notification's "Open audit" opens the audit window.
    AlertCenter &alerts = running->alerts();
    windows->add(QStringLiteral("alerts"), [&alerts, &core, home] {
        return gui::createAlertsWindow(alerts, home, core.audit(), [&core] { core.config().reload(); });
    });
    presenter->setUnseenAlerts(alerts.unseenCount());
    QObject::connect(&alerts, &AlertCenter::unseenCountChanged, presenter.get(), &gui::TrayPresenter::setUnseenAlerts);
    gui::WindowRegistry *registry = windows.get();
    QObject::connect(&alerts, &AlertCenter::openAuditRequested, qApp,
                     [registry] { registry->show(QStringLiteral("audit")); });
    running->setShowWindow([registry](const QString &name) -> Result<void> {
        if (registry->show(name))
            return {};
        return Error{QStringLiteral("window_unavailable"),
                     QStringLiteral("window %1 is not available yet (available: %2)")
                         .arg(name, registry->names().join(QStringLiteral(", ")))};
    });
    QObject::connect(icon.get(), &gui::TrayIcon::windowRequested, qApp, [registry](const QString &name) {
        if (!registry->show(name))
            showWarning(QApplication::translate("keyward", "The window %1 is not available yet.").arg(name));
    });

    // `ask` approvals and confirmations of widening changes, each in its own dialog.
    auto approvals = std::make_unique<gui::ApprovalPresenter>();
    approvals->setAlwaysAllow(
        [&core](const policy::ApprovalRequest &request) { return canAlwaysAllow(core.config().config(), request); },
        [&core, home](const policy::ApprovalRequest &request) {
            auto persisted = policy::persistAlwaysAllow(home, request, kTrayActor, kAlwaysLockMs);
            core.config().reload(); // in force at once, also when only the audit failed
            return persisted;
        });
    QObject::connect(approvals.get(), &gui::ApprovalPresenter::failed, qApp, &showWarning);
    auto dialogs = std::make_unique<gui::ApprovalDialogs>(*approvals);
    core.executor().setApprovalProvider(approvals.get());
    gui::ApprovalPresenter *asking = approvals.get();
    running->setConfirmChange([asking](const QString &summary, std::function<void(bool)> done, QObject *asker) {
        const int id = asking->requestConfirmation(summary, std::move(done));
        // The command went away (Ctrl+C): its dialog goes too.
        QObject::connect(asker, &QObject::destroyed, asking, [asking, id] { asking->withdraw(id); });
    });

    StopSignals stopSignals;
    QObject::connect(&stopSignals, &StopSignals::received, qApp, &QCoreApplication::quit);
    QObject::connect(running.get(), &Owner::stopRequested, qApp, &QCoreApplication::quit);
    QObject::connect(icon.get(), &gui::TrayIcon::quitRequested, qApp, &QCoreApplication::quit);
    icon->show();
    log()->info("tray app started ({})", icon->usesTrayHost() ? "tray icon" : "no tray host: window");
    reportReady(running->readyLine());
    const int code = QApplication::exec();
    running->setShowWindow({});
    running->setConfirmChange({});
    core.executor().setApprovalProvider(nullptr);
    dialogs.reset();
    approvals.reset(); // denies what still waits
    windows.reset();
    clients.reset();
    agents.reset();
    settings.reset();
    icon.reset();
    presenter.reset();
    running.reset();
    return code == 0 ? ExitOk : ExitFailure;
}

} // namespace keyward::app
