#include "trayapp.h"

#include "backgroundstart.h"
#include "cli/output.h"
#include "logsetup.h"
#include "owner.h"
#include "processhardening.h"
#include "stopsignals.h"

#include "audit/auditlog.h"
#include "core/keywardhome.h"
#include "core/logging.h"
#include "daemon/ownerclient.h"
#include "daemon/ownerlock.h"
#include "tray/trayicon.h"
#include "tray/traypresenter.h"
#include "windows/admincontext.h"
#include "windows/serviceswindow.h"
#include "windows/windowregistry.h"
#include "wizard/servicewizard.h"

#include <QApplication>
#include <QDeadlineTimer>
#include <QThread>

// The icons compiled into keyward_gui (a static library: its resources need a call to register).
// Q_INIT_RESOURCE declares a function in the current namespace, so this stays in the global one.
static void initGuiResources() { Q_INIT_RESOURCE(keyward); }

namespace keyward::app {

namespace {

using cli::ExitFailure;
using cli::ExitOk;

constexpr int kTakeOverMs = 10000;
const QString kTrayKind = QStringLiteral("tray");

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
            if (status && status->value("kind", std::string()) == kTrayKind.toStdString()) {
                return Error{QString::fromLatin1(daemon::OwnerLock::kOwned),
                             QStringLiteral("the Keyward tray app (pid %1) already runs for this home; use it, "
                                            "or quit it first")
                                 .arg(pid)};
            }
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

} // namespace

int runTray(const QStringList &args)
{
    const cli::Output out;
    if (!args.isEmpty())
        return out.usageError(QStringLiteral("the tray app takes no arguments; `keyward --help` lists the commands"));
    makeProcessNonDumpable();
    initGuiResources();

    const KeywardHome home = KeywardHome::fromEnvironment();
    auto owner = takeOverHome(home);
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
    auto windows = std::make_unique<gui::WindowRegistry>();
    registerAdminWindows(*windows, home, core);
    QObject::connect(icon.get(), &gui::TrayIcon::windowRequested, windows.get(),
                     [&windows](const QString &name) { windows->show(name); });

    StopSignals stopSignals;
    QObject::connect(&stopSignals, &StopSignals::received, qApp, &QCoreApplication::quit);
    QObject::connect(running.get(), &Owner::stopRequested, qApp, &QCoreApplication::quit);
    QObject::connect(icon.get(), &gui::TrayIcon::quitRequested, qApp, &QCoreApplication::quit);
    icon->show();
    log()->info("tray app started ({})", icon->usesTrayHost() ? "tray icon" : "no tray host: window");
    reportReady(running->readyLine());
    const int code = QApplication::exec();
    windows.reset(); // the windows act on the core: they go first
    icon.reset();
    presenter.reset();
    running.reset();
    return code == 0 ? ExitOk : ExitFailure;
}

} // namespace keyward::app
